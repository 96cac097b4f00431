// Documents on pages (Camunda 8.8's documents API, stored by Processes): a task form's files uploaded as document
// references, and a case's references shown as thumbnails that open the full document.
import { request } from './api.js';

/**
 * A form's file pickers (form-js filepicker) hold a key into the form's file registry; as Camunda's Tasklist does, the
 * files are uploaded first (POST /v2/documents/batch, attached to the task's case) and the field's value becomes the
 * list of their document references. A refused file stops the completion with the API's reason.
 */
export async function withDocuments(data, files, instanceKey) {
  if (!files || files.size === 0) return data;
  const result = { ...data };
  for (const [filesKey, list] of files) {
    const fields = Object.keys(result).filter(name => result[name] === filesKey);
    if (fields.length === 0 || list.length === 0) continue;
    const form = new FormData();
    for (const file of list) {
      form.append('files', file, file.name);
      form.append('metadataList', JSON.stringify({ processInstanceKey: instanceKey }));
    }
    const answer = await (await request('POST', '/v2/documents/batch', { form })).json();
    if (answer.failedDocuments?.length) {
      throw new Error(answer.failedDocuments.map(f => `${f.fileName}: ${f.detail}`).join(' '));
    }
    for (const name of fields) result[name] = answer.createdDocuments;
  }
  return result;
}

/** A Camunda document reference ({"camunda.document.type": "camunda", documentId, contentHash, metadata}). */
export function isDocumentReference(value) {
  return value !== null && typeof value === 'object' && value['camunda.document.type'] === 'camunda' && typeof value.documentId === 'string';
}

/** The references a case's variables hold: a variable that is one, or a list of them; each with the variable's name. */
export function documentsIn(variables) {
  return Object.keys(variables).sort((a, b) => a.localeCompare(b)).flatMap(name => {
    const value = variables[name];
    const list = Array.isArray(value) ? value : [value];
    return list.filter(isDocumentReference).map(reference => ({ name, reference }));
  });
}

/** The document's address on this host: the reference's hash goes along, as Camunda's API asks for. */
export function documentUrl(reference) {
  const hash = reference.contentHash ? `?contentHash=${encodeURIComponent(reference.contentHash)}` : '';
  return `/v2/documents/${encodeURIComponent(reference.documentId)}${hash}`;
}

/** One figure per document: an image as a thumbnail, anything else as its file name; each opens the whole document. */
export function renderDocuments(container, documents, el) {
  container.replaceChildren(...documents.map(({ name, reference }) => {
    const meta = reference.metadata ?? {};
    const fileName = meta.fileName ?? reference.documentId;
    const figure = el('figure', 'document');
    const link = el('a');
    link.href = documentUrl(reference);
    link.target = '_blank';
    link.rel = 'noopener';
    if (String(meta.contentType ?? '').startsWith('image/')) {
      const img = el('img', 'document-thumb');
      img.src = link.href;
      img.alt = `${name}: ${fileName}`;
      img.loading = 'lazy';
      link.append(img);
      link.setAttribute('aria-label', `Open ${fileName} full size`);
    } else {
      link.textContent = fileName;
    }
    figure.append(link, el('figcaption', '', `${name} · ${fileName}`));
    return figure;
  }));
}
