import { csvLine } from "./csv";
const row = ["123456", "8dcb2282-78bb-41e6-8211-4173b5b497c5", "benchcm001", "u1234", "13800138000", "delivered", null, null, null, 1, "2026-03-01T08:00:00.000Z", "2026-03-01T08:00:00.000Z"];
for (let round = 0; round < 3; round++) {
  let t0 = performance.now(); let bytes = 0;
  for (let b = 0; b < 40; b++) { let s = ""; for (let i = 0; i < 5000; i++) s += csvLine(row); bytes += Buffer.from(s).length; }
  console.log("csv 200k lines in batches", (performance.now() - t0).toFixed(0), "ms", bytes);
  t0 = performance.now(); let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) | 0; console.log("1e8 loop", (performance.now() - t0).toFixed(0), "ms", x);
}
