package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/library"
)

const harbourFile = `MR. SMITH: How long have you worked at the harbour of Puerto Quillón?

CAPTAIN O'NEILL: Thirty years this spring, most of them guiding trawlers at night.

MR. SMITH: What has changed the most since the dredging began?

CAPTAIN O'NEILL: The size of the ships. They used to be a third of what they are.
`

const lighthouseFile = `Keeper: Do the foghorns still sound every winter at Cape Morwenna?

Visitor: No, the foghorns were switched off when the radar beacons came.

Keeper: Who paints the lantern room?

Visitor: A crew from the mainland comes each August with ladders and scrapers.
`

// cli runs commands against one DATA_DIR.
type cli struct {
	t   *testing.T
	dir string
}

// Ids of documents added for server 7: a server's ids end in a hash of
// the server and the title's slug, so that they reveal nothing of other
// servers' documents (internal/library).
const (
	stdinID   = "stdin-02eced"
	harbourID = "harbour-209d47"
)

func newCLI(t *testing.T) *cli { return &cli{t: t, dir: t.TempDir()} }

func (c *cli) run(stdin string, args ...string) (string, string, error) {
	c.t.Helper()
	getenv := func(k string) string {
		if k == "DATA_DIR" {
			return c.dir
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// file writes a file in a fresh directory and returns its path.
func (c *cli) file(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func TestCorpusCommands(t *testing.T) {
	c := newCLI(t)
	harbour := c.file("harbour.txt", harbourFile)

	// Flags before and after the file.
	out, _, err := c.run("", "corpus", "add", "--title", "The harbour master", harbour, "--url", "https://example.org/harbour")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Added the-harbour-master.", "title:          The harbour master", "answered in:    every server",
		"source:         https://example.org/harbour", "speakers:       MR. SMITH, CAPTAIN O'NEILL", "asks / answers: MR. SMITH / CAPTAIN O'NEILL", "questions:      2",
		"first question: How long have you worked at the harbour of Puerto Quillón?", "format:         transcript, language en"} {
		if !strings.Contains(out, want) {
			t.Errorf("add output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "running bot") {
		t.Errorf("no bot runs:\n%s", out)
	}
	if out, _, err = c.run(lighthouseFile, "corpus", "add", "--server", "7", "--format", "transcript", "-"); err != nil || !strings.Contains(out, "Added "+stdinID+".") || !strings.Contains(out, "answered in:    server 7 only") {
		t.Fatalf("add from stdin: %v\n%s", err, out)
	}

	out, _, err = c.run("", "corpus", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "shipped") ||
		!strings.HasPrefix(lines[2], "the-harbour-master ") || !strings.Contains(lines[3], stdinID+" ") || !strings.Contains(lines[3], " 7 ") {
		t.Errorf("list:\n%s", out)
	}
	out, _, err = c.run("", "corpus", "list", "--json", "--server", "8")
	if err != nil {
		t.Fatal(err)
	}
	var entries []library.Entry
	// Server 8 sees the seed and the document added for every server.
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 2 || !entries[0].Seed || entries[1].ID != "the-harbour-master" {
		t.Errorf("list --json --server 8: %v %+v\n%s", err, entries, out)
	}
	out, _, _ = c.run("", "corpus", "list", "--server", "7", "--json")
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 3 || entries[2].ID != stdinID || entries[2].Server != "7" || entries[2].Questions != 2 {
		t.Errorf("list --server 7: %v %+v", err, entries)
	}

	out, _, err = c.run("", "corpus", "show", "the-harbour-master")
	if err != nil || !strings.Contains(out, "    1. How long have you worked") || !strings.Contains(out, "    2. What has changed the most") {
		t.Errorf("show: %v\n%s", err, out)
	}

	// Answered where it belongs.
	out, _, err = c.run("", "ask", "--json", "--server", "7", "foghorns at Cape Morwenna")
	if err != nil || !strings.Contains(out, `"document":"`+stdinID+`"`) {
		t.Errorf("ask in server 7: %v\n%s", err, out)
	}
	out, _, _ = c.run("", "ask", "--json", "foghorns at Cape Morwenna")
	if strings.Contains(out, `"document":"`+stdinID+`"`) {
		t.Errorf("a server's document answered outside it:\n%s", out)
	}
	out, _, _ = c.run("", "ask", "--json", "trawlers Puerto Quillon")
	if !strings.Contains(out, `"document":"the-harbour-master"`) {
		t.Errorf("ask:\n%s", out)
	}

	out, _, err = c.run("", "index", "rebuild")
	if err != nil || !strings.Contains(out, "Rebuilt the index of 3 documents in ") {
		t.Errorf("rebuild: %v\n%s", err, out)
	}
	if out, _, _ = c.run("", "ask", "--json", "trawlers Puerto Quillon"); !strings.Contains(out, `"document":"the-harbour-master"`) {
		t.Errorf("ask after rebuild:\n%s", out)
	}

	if out, _, err = c.run("", "corpus", "remove", "--server", "7", stdinID); err != nil || out != "Removed "+stdinID+" (\"Stdin\").\n" {
		t.Errorf("remove: %v\n%s", err, out)
	}
	if _, _, err = c.run("", "corpus", "show", stdinID); err == nil {
		t.Error("show after remove")
	}
}

func TestCorpusErrors(t *testing.T) {
	c := newCLI(t)
	harbour := c.file("harbour.txt", harbourFile)
	if _, _, err := c.run("", "corpus", "add", "--server", "7", harbour); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args  []string
		usage bool   // a usage error (exit status 2)
		want  string // in the error
	}{
		{[]string{"corpus"}, true, "corpus needs a command"},
		{[]string{"corpus", "nope"}, true, `unknown corpus command "nope"`},
		{[]string{"corpus", "add"}, true, "needs a FILE"},
		{[]string{"corpus", "add", "--title", "T", "a", "b"}, true, "give one FILE with them"},
		{[]string{"corpus", "add", "a", "-"}, true, "must be the only FILE"},
		{[]string{"corpus", "add", "--bogus", harbour}, true, ""},
		{[]string{"corpus", "list", "extra"}, true, "takes no arguments"},
		{[]string{"corpus", "show"}, true, "exactly one document ID"},
		{[]string{"corpus", "remove"}, true, "exactly one document ID"},
		{[]string{"index"}, true, "index needs a command: rebuild"},
		{[]string{"index", "rebuild", "now"}, true, "takes no arguments"},
		{[]string{"corpus", "add", filepath.Join(c.dir, "missing.txt")}, false, "missing.txt: no such file or directory"},
		{[]string{"corpus", "add", c.file("a.bin", "Q: x\x00\x00\n")}, false, `"a.bin" contains NUL bytes (the first on line 1): it looks like a binary file`},
		{[]string{"corpus", "add", c.file("notes.txt", "Just prose.\n")}, false, `"notes.txt" cannot be added: no speaker turns found`},
		{[]string{"corpus", "add", "--server", "7", harbour}, false, "already in the corpus for this server, as " + harbourID},
		{[]string{"corpus", "add", "--url", "javascript:alert(1)", harbour}, false, "The source URL must be an absolute http or https address"},
		{[]string{"corpus", "add", "--format", "pdf", harbour}, false, `Unknown format "pdf"`},
		{[]string{"corpus", "add", "--title", " ", harbour}, false, "The title is empty."},
		{[]string{"corpus", "add", c.file("big.txt", strings.Repeat("Q: a?\n\nA: b.\n\n", 90000))}, false, "is too large: 1,260,000 bytes"},
		{[]string{"corpus", "show", "../documents/" + harbourID}, false, `There is no document "../documents/` + harbourID + `".`},
		{[]string{"corpus", "show", "--server", "8", harbourID}, false, `There is no document "` + harbourID + `".`},
		{[]string{"corpus", "remove", "--server", "8", harbourID}, false, `There is no document "` + harbourID + `".`},
		{[]string{"corpus", "remove", "spcis-china-latin-america-technology"}, false, "is shipped with the bot and cannot be removed."},
	} {
		_, stderr, err := c.run("", tt.args...)
		var ue usageError
		if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error()+stderr, tt.want) {
			t.Errorf("%q: err = %v (usage %v), want one with %q; stderr %s", tt.args, err, errors.As(err, &ue), tt.want, stderr)
		}
	}
	// Nothing of that changed the corpus.
	out, _, _ := c.run("", "corpus", "list", "--json")
	var entries []library.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 2 || entries[1].ID != harbourID {
		t.Errorf("corpus after the errors: %v %+v", err, entries)
	}
}

// Several files in one command: each added or reported, the failures not
// stopping the rest, and the command failing when any did.
func TestCorpusAddMany(t *testing.T) {
	c := newCLI(t)
	good := c.file("harbour.txt", harbourFile)
	bad := c.file("notes.txt", "Just prose.\n")
	missing := filepath.Join(c.dir, "missing.txt")
	out, stderr, err := c.run("", "corpus", "add", "--server", "7", bad, missing, good)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files could not be added") {
		t.Errorf("err = %v", err)
	}
	// Reported in the order given, whether unreadable or refused.
	if i, j := strings.Index(stderr, "notes.txt: "), strings.Index(stderr, "missing.txt: "); i < 0 || j < i ||
		!strings.Contains(stderr, "no speaker turns found") {
		t.Errorf("stderr: %s", stderr)
	}
	if !strings.Contains(out, "Added "+harbourID+" (2 questions) from "+good) || !strings.Contains(out, "Added 1 of 3 files.") {
		t.Errorf("stdout: %s", out)
	}
	out, _, _ = c.run("", "corpus", "list", "--json")
	var entries []library.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 2 || entries[1].ID != harbourID || entries[1].Server != "7" {
		t.Errorf("corpus: %v %+v", err, entries)
	}
}

// With the bot running (another process owning the index), corpus add and
// remove write the store and say so; index rebuild refuses.
func TestCorpusWhileBotRuns(t *testing.T) {
	c := newCLI(t)
	bot, err := library.Open(c.dir, library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	out, _, err := c.run("", "corpus", "add", "--server", "7", c.file("harbour.txt", harbourFile))
	if err != nil || !strings.Contains(out, "Added "+harbourID+".") || !strings.Contains(out, "it will pick this change up within a few seconds") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if err := bot.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e, err := bot.Show(harbourID, "7"); err != nil || e.Questions != 2 {
		t.Errorf("the bot did not pick the document up: %+v %v", e, err)
	}
	if _, _, err := c.run("", "index", "rebuild"); err == nil || !strings.Contains(err.Error(), "The index is in use by another process (is the bot running?)") {
		t.Errorf("rebuild: %v", err)
	}
	if out, _, err := c.run("", "ask", "--json", "--server", "7", "trawlers at night"); err != nil || !strings.Contains(out, `"document":"`+harbourID+`"`) {
		t.Errorf("ask from memory: %v\n%s", err, out)
	}
	if out, _, err := c.run("", "corpus", "remove", harbourID); err != nil || !strings.Contains(out, "pick this change up") {
		t.Errorf("remove: %v\n%s", err, out)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := progressBar(&b)
	p(0, 4)
	p(2, 4)
	p(4, 4)
	want := "\r[..............................] 0/4 documents\r[###############...............] 2/4 documents\r[##############################] 4/4 documents\n"
	if b.String() != want {
		t.Errorf("%q", b.String())
	}
	if isTerminal(&b) {
		t.Error("a buffer is not a terminal")
	}
}
