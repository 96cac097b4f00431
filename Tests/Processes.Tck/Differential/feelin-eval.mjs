// Reads a JSON array of FEEL expressions on stdin; writes a JSON array of results from feelin (a JS FEEL
// implementation) on stdout. Used by `Processes.Tck --differential` as an independent reference.
import { evaluate } from 'feelin';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const expressions = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const normalise = (value) => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return { number: String(value) };
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return { other: String(value) };
};

const results = expressions.map((text) => {
  try {
    const result = evaluate(text, {});
    return { value: normalise(result && typeof result === 'object' && 'value' in result && 'warnings' in result ? result.value : result) };
  } catch (e) {
    return { error: String(e && e.message || e) };
  }
});
process.stdout.write(JSON.stringify(results));
