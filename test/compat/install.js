'use strict';
// Installs each compat app (test/compat/*/) from its lockfile, once per lockfile change.
// Run by `npm test` before jest; CI gets it the same way.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

for (const name of fs.readdirSync(__dirname)) {
  const dir = path.join(__dirname, name);
  const lock = path.join(dir, 'package-lock.json');
  if (!fs.existsSync(lock)) continue;
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  const stamp = path.join(dir, 'node_modules', '.installed-lock-sha256');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) continue;
  process.stdout.write(`compat: installing test/compat/${name} from its lockfile\n`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(stamp, hash);
}
