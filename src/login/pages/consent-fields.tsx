// The consent part of the provisioning prompts: one fieldset per JIT consent purpose, one labelled
// checkbox per attribute with the values about to be stored; mandatory attributes are marked. Shared by
// the consent page and the password / username + password pages (one form, as the reference product does).
import type { ConsentView } from '../../provisioning/index.js';

export interface ConsentFieldsProps {
  view: ConsentView;
  /** Form values ticked (re-rendering after an error); when absent, mandatory ones start ticked. */
  checked?: ReadonlySet<string> | null;
}

/** A stable element id for a checkbox (form values hold quotes and brackets). */
const idFor = (purposeIndex: number, attributeIndex: number) => `consent-${purposeIndex}-${attributeIndex}`;

export function ConsentFields({ view, checked }: ConsentFieldsProps) {
  return (
    <>
      {view.purposes.map((purpose, p) => (
        <fieldset>
          <legend>{purpose.purpose}</legend>
          {purpose.description ? <p class="lead">{purpose.description}</p> : null}
          <div class="choices">
            {purpose.attributes.map((attribute, a) => (
              <label class="choice" for={idFor(p, a)}>
                <input
                  type="checkbox"
                  id={idFor(p, a)}
                  name="consent"
                  value={attribute.field}
                  checked={checked ? checked.has(attribute.field) : attribute.mandatory}
                />
                <span class="choice-label">
                  <span>
                    {attribute.label}
                    {attribute.mandatory ? <span class="choice-hint"> (required)</span> : null}
                  </span>
                  {attribute.values.map((value) => (
                    <span class="choice-hint">{value}</span>
                  ))}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ))}
      <p class="detail">Attributes marked required are needed to create your account. Unticked optional ones are not stored.</p>
    </>
  );
}
