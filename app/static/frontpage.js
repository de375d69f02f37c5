// Front-page entry: the OCR reading is a suggestion beside each field; only a click on "Use" copies it in.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-ocr-fill]");
  if (!button) return;
  const input = document.getElementById(button.dataset.ocrFill);
  if (input && !input.readOnly) {
    input.value = button.dataset.value;
    input.focus();
  }
});
