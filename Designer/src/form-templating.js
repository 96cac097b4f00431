// form-js fills the {{…}} templates of text components with process variables and renders the result as markdown,
// i.e. as HTML. Variable values come from outside (a customer's appeal, a name typed into another system), so a value
// must arrive as text: "<img src=x onerror=…>" in a variable shows those characters, it does not become an element.
// form-js already escapes values in its HTML component; this templating does the same for text components.
import { FeelersTemplating, escapeHTML } from '@bpmn-io/form-js';

const escapeValue = value => (value === null || value === undefined ? value : escapeHTML(String(value)));

class EscapingTemplating extends FeelersTemplating {
  evaluate(template, context = {}, options = {}) {
    // Text components ask with `strict` and no sanitizer of their own. Labels, descriptions and adorners ask with
    // `debug` only and are rendered as text nodes, where escaping would show entities instead of the value.
    const rendersMarkup = 'strict' in options && !options.sanitizer;
    return super.evaluate(template, context, rendersMarkup ? { ...options, sanitizer: escapeValue } : options);
  }
}

/** A form-js module replacing the core templating: new Form({ additionalModules: [escapingTemplating] }). */
export const escapingTemplating = { templating: ['type', EscapingTemplating] };
