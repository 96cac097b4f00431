// The replace, create and append menus offer only what the engine runs: entries that would make an element or
// marker the engine refuses (engine-support.js) are taken out after bpmn-js's own providers filled the menus.
import { isRefusedEntry } from './engine-support.js';

const MENUS = ['bpmn-replace', 'bpmn-create', 'bpmn-append'];
const LOW_PRIORITY = 100;

function without(entries) {
  const kept = {};
  for (const [id, entry] of Object.entries(entries)) {
    if (!isRefusedEntry(id, entry)) {
      kept[id] = entry;
    }
  }
  return kept;
}

function SupportedMenus(popupMenu) {
  const provider = {
    getPopupMenuEntries: () => without,
    getPopupMenuHeaderEntries: () => without,
  };
  for (const menu of MENUS) {
    popupMenu.registerProvider(menu, LOW_PRIORITY, provider);
  }
}

SupportedMenus.$inject = ['popupMenu'];

export default {
  __init__: ['supportedMenus'],
  supportedMenus: ['type', SupportedMenus],
};
