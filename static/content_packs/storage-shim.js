// Packages run in an opaque-origin sandbox, where touching localStorage or
// sessionStorage throws. Content written for an ordinary page reads them freely (H5P
// does at start-up), so each gets a storage that lives as long as the frame: nothing
// a package keeps there outlives it or reaches another package.
(function () {
  "use strict";
  function memoryStorage() {
    var items = new Map();
    return {
      get length() { return items.size; },
      key: function (index) { return Array.from(items.keys())[index] || null; },
      getItem: function (name) { return items.has(String(name)) ? items.get(String(name)) : null; },
      setItem: function (name, value) { items.set(String(name), String(value)); },
      removeItem: function (name) { items.delete(String(name)); },
      clear: function () { items.clear(); }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      void window[name];
    } catch (denied) {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
    }
  });
})();
