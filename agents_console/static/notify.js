// A short beep made with WebAudio (no sound file to download) and a browser
// notification when the agent allowed them and is looking elsewhere.

let audio = null;

// Browsers only start audio after a user gesture: call this from one.
export function unlockSound() {
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (audio && audio.state === "suspended") audio.resume();
}

export function beep(frequency = 880, millis = 160) {
  if (!audio || audio.state !== "running") return;
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.12, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + millis / 1000);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start();
  oscillator.stop(audio.currentTime + millis / 1000);
}

export function notificationsAllowed() {
  return "Notification" in window && Notification.permission === "granted";
}

export async function askForNotifications() {
  if (!("Notification" in window)) return false;
  return (await Notification.requestPermission()) === "granted";
}

// Title and body are set as plain text by the Notification API.
export function notify(title, body, onClick) {
  if (!notificationsAllowed() || document.visibilityState === "visible") return;
  const notification = new Notification(title, { body, tag: title });
  notification.onclick = () => {
    window.focus();
    onClick?.();
    notification.close();
  };
}
