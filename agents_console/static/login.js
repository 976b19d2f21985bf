// Sign in, then on to the console. The hub sets the session and CSRF cookies.

import { api } from "./api.js";
import { byId } from "./dom.js";

const form = byId("login-form");
const error = byId("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/api/auth/login", { email: byId("email").value, password: byId("password").value });
    window.location.assign("/console");
  } catch (failure) {
    error.textContent = failure.message;
  } finally {
    button.disabled = false;
  }
});
