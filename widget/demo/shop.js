/* The demo storefront's own script: a cart in localStorage and the calls a real
   shop makes to the chat widget (identify, track, on, setLocale, reset). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var CART = "demo-shop.cart";
  var LOCALE = "demo-shop.locale";

  function items() {
    try { return JSON.parse(localStorage.getItem(CART)) || []; } catch (error) { return []; }
  }

  function save(list) {
    localStorage.setItem(CART, JSON.stringify(list));
    render();
  }

  function add(product) {
    var list = items();
    var line = list.filter(function (item) { return item.product_id === product.id; })[0];
    if (line) line.quantity += 1;
    else list.push({ product_id: product.id, title: product.title, price: product.price, currency: product.currency, quantity: 1 });
    save(list);
    Touchpoint.track("add_to_cart", {
      product_id: product.id, title: product.title, price: product.price, currency: product.currency, quantity: 1
    });
  }

  function render() {
    var list = items();
    var count = list.reduce(function (sum, item) { return sum + item.quantity; }, 0);
    document.querySelectorAll("[data-cart-count]").forEach(function (node) { node.textContent = count; });
    var holder = document.querySelector("[data-cart-items]");
    if (!holder) return;
    holder.textContent = "";
    list.forEach(function (item) {
      var row = document.createElement("li");
      row.textContent = item.quantity + " × " + item.title + " – " + (item.price * item.quantity).toFixed(2) + " " + item.currency;
      holder.appendChild(row);
    });
    document.querySelector("[data-cart-empty]").hidden = list.length > 0;
    document.querySelector("[data-checkout]").hidden = !list.length;
  }

  function setLocale(code) {
    localStorage.setItem(LOCALE, code);
    document.documentElement.lang = code;
    Touchpoint.setLocale(code);
  }

  document.addEventListener("click", function (event) {
    var buy = event.target.closest("[data-add-to-cart]");
    if (buy) add(JSON.parse(buy.getAttribute("data-add-to-cart")));
    var locale = event.target.closest("[data-locale]");
    if (locale) setLocale(locale.getAttribute("data-locale"));
    if (event.target.closest("[data-checkout]")) {
      var list = items();
      var total = list.reduce(function (sum, item) { return sum + item.price * item.quantity; }, 0);
      Touchpoint.track("order", { items: list, total: Math.round(total * 100) / 100 });
      save([]);
      document.querySelector("[data-order-done]").hidden = false;
    }
  });
  document.addEventListener("submit", function (event) {
    // Logging out ends the chat identity too, so the next shopper on this device starts fresh.
    if (event.target.hasAttribute("data-logout")) Touchpoint.reset();
  });

  // Product cards in the chat can put things in this shop's cart.
  Touchpoint.on("add_to_cart", function (event) { add(event.product); });
  if (data.identity) Touchpoint.identify(data.identity);
  if (data.product) {
    Touchpoint.track("product_view", {
      product_id: data.product.id, title: data.product.title, price: data.product.price, currency: data.product.currency
    });
  }
  var saved = localStorage.getItem(LOCALE);
  if (saved) setLocale(saved);
  render();
})();
