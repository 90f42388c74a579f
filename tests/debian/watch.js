// node's fs.watch (libuv over inotify) on a folder: a file made, written, renamed and removed there, each step
// once the watcher has seen the one before; the events each step brought, in order, then "done".
const fs = require("fs");
const path = require("path");
const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || "/tmp", "watch-"));
const seen = [];
const steps = [
	() => fs.writeFileSync(path.join(dir, "a.txt"), "one"),
	() => fs.appendFileSync(path.join(dir, "a.txt"), "two"),
	() => fs.renameSync(path.join(dir, "a.txt"), path.join(dir, "b.txt")),
	() => fs.unlinkSync(path.join(dir, "b.txt")),
];
const watcher = fs.watch(dir, (event, name) => {
	const line = `step ${i}: ${event} ${name}`;
	if (!seen.includes(line)) seen.push(line); // a write may be told twice; once is what is checked
	clearTimeout(next);
	next = setTimeout(step, 500);
});
let i = 0, next = setTimeout(step, 500);
function step() {
	if (i < steps.length) {
		steps[i++]();
		next = setTimeout(step, 2000); // no event at all: go on anyway, the missing lines show it
		return;
	}
	watcher.close();
	fs.rmdirSync(dir);
	console.log(seen.join("\n"));
	console.log("done");
}
