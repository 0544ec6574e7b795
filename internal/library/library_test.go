package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
)

const harbour = `---
title: Interview with a harbour master
source: https://example.org/harbour
---

MR. SMITH: Good morning. How long have you worked at the harbour of Puerto Quillón?

CAPTAIN O'NEILL: Thirty years this spring, most of them on the night shift guiding trawlers.

MR. SMITH: What has changed the most since the dredging began?

CAPTAIN O'NEILL: The size of the ships. They used to be a third of what they are.

Everything else follows from that: cranes, dredging, the roads to the quay.
`

const lighthouse = `Keeper: Do the foghorns still sound every winter at Cape Morwenna?

Visitor: No, the foghorns were switched off when the radar beacons were installed.

Keeper: Who paints the lantern room?

Visitor: A crew from the mainland comes each August with ladders and scrapers.
`

// fixedClock is the time Add stamps in tests.
var fixedClock = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// openLib opens a library in dir ("" in memory), closed when the test ends.
func openLib(t testing.TB, dir string) *Library {
	t.Helper()
	l, err := Open(dir, Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return fixedClock }
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// found reports whether asking question in server quotes document id.
func found(t testing.TB, l *Library, question, server, id string) bool {
	t.Helper()
	rk, err := l.Answerer().Search(context.Background(), question, server, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rk.Candidates {
		if c.Ref.Document == id {
			return true
		}
	}
	return false
}

// indexHolds reports whether the index itself (not the answerer, which
// filters by the corpus) has any section of document id for text.
func indexHolds(t testing.TB, l *Library, text, id string) bool {
	t.Helper()
	l.Answerer()
	res, err := l.index.Search(context.Background(), answer.Query{Text: text, Servers: []string{"7", "8"}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Matches {
		if m.Ref.Document == id {
			return true
		}
	}
	return false
}

func ids(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func TestAddListShowRemove(t *testing.T) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			dir := ""
			if mode == "disk" {
				dir = t.TempDir()
			}
			l := openLib(t, dir)
			ctx := context.Background()
			seedIDs := ids(l.List(""))
			if len(seedIDs) != 1 {
				t.Fatalf("seeds %v", seedIDs)
			}

			e, err := l.Add(ctx, Upload{Name: "harbour.txt", Data: []byte(harbour)})
			if err != nil {
				t.Fatal(err)
			}
			want := Entry{ID: "interview-with-a-harbour-master", Title: "Interview with a harbour master",
				SourceURL: "https://example.org/harbour", Format: "transcript", Language: "en",
				Speakers: []string{"MR. SMITH", "CAPTAIN O'NEILL"}, Interviewer: "MR. SMITH", Interviewee: "CAPTAIN O'NEILL", Questions: 2,
				FirstQuestion: "Good morning. How long have you worked at the harbour of Puerto Quillón?",
				Added:         fixedClock, Bytes: len(harbour)}
			if fmt.Sprint(e) != fmt.Sprint(want) {
				t.Errorf("add:\n got %+v\nwant %+v", e, want)
			}
			if !found(t, l, "how long at the harbour of Puerto Quillon", "", e.ID) || !found(t, l, "dredging", "123", e.ID) {
				t.Error("the added document is not searchable")
			}

			// The same file again, here or in a server: a duplicate naming the id.
			for _, server := range []string{"", "7"} {
				_, err = l.Add(ctx, Upload{Name: "again.txt", Data: []byte(harbour), Server: server})
				if kindOf(err) != Duplicate || !strings.Contains(err.Error(), `as interview-with-a-harbour-master ("Interview with a harbour master")`) {
					t.Errorf("server %q: duplicate: %v", server, err)
				}
			}

			// A server's own document.
			e7, err := l.Add(ctx, Upload{Name: "lighthouse.md", Data: []byte(lighthouse), Server: "7", Title: "Lighthouse keepers", URL: "https://example.org/light?x=1"})
			if err != nil {
				t.Fatal(err)
			}
			if e7.ID != "lighthouse-keepers-44f829" || e7.Server != "7" || e7.Questions != 2 || e7.Format != "transcript" || e7.SourceURL != "https://example.org/light?x=1" {
				t.Errorf("server entry %+v", e7)
			}
			// The same title in server 8: an id that says nothing of server 7's.
			e8, err := l.Add(ctx, Upload{Name: "other.md", Data: []byte(strings.Replace(lighthouse, "foghorns", "bells", 1)), Server: "8", Title: "Lighthouse keepers"})
			if err != nil || e8.ID != idTitle("Lighthouse keepers", "8") || strings.HasSuffix(e8.ID, "-2") {
				t.Errorf("server 8's id %q (%v), want %q", e8.ID, err, idTitle("Lighthouse keepers", "8"))
			}
			if _, err := l.Remove(ctx, e8.ID, "8"); err != nil {
				t.Fatal(err)
			}
			if !found(t, l, "foghorns Cape Morwenna", "7", e7.ID) || found(t, l, "foghorns Cape Morwenna", "8", e7.ID) || found(t, l, "foghorns Cape Morwenna", "", e7.ID) {
				t.Error("a server's document must be answered in that server only")
			}
			for server, want := range map[string][]string{
				"": append(slices.Clone(seedIDs), e.ID, e7.ID),
				// A server sees the documents added for every server too.
				"7": append(slices.Clone(seedIDs), e.ID, e7.ID),
				"8": append(slices.Clone(seedIDs), e.ID),
			} {
				if got := ids(l.List(server)); !slices.Equal(got, want) {
					t.Errorf("List(%q) = %v, want %v", server, got, want)
				}
			}
			if l.List("")[0].Seed != true || l.List("")[1].Seed {
				t.Error("Seed flags")
			}
			if got, err := l.Show(e7.ID, "7"); err != nil || got.Title != "Lighthouse keepers" {
				t.Errorf("show: %+v %v", got, err)
			}
			if _, err := l.Show(e7.ID, "8"); kindOf(err) != NotFound {
				t.Errorf("show from another server: %v", err)
			}
			if got, err := l.Show(seedIDs[0], "8"); err != nil || !got.Seed || got.Questions == 0 {
				t.Errorf("show seed: %+v %v", got, err)
			}

			// Removal: only the owner or the operator; never a seed; never a path.
			for _, tt := range []struct {
				id, server string
				kind       Kind
			}{
				{e7.ID, "8", NotFound}, {seedIDs[0], "", Forbidden}, {seedIDs[0], "7", Forbidden}, {e.ID, "7", Forbidden},
				{"../documents/" + e7.ID, "", NotFound}, {"/etc/passwd", "", NotFound}, {"nope", "", NotFound}, {"", "", NotFound},
			} {
				if _, err := l.Remove(ctx, tt.id, tt.server); kindOf(err) != tt.kind {
					t.Errorf("Remove(%q, %q) = %v, want %v", tt.id, tt.server, err, tt.kind)
				}
			}
			if got, err := l.Remove(ctx, e7.ID, "7"); err != nil || got.ID != e7.ID {
				t.Fatalf("remove: %+v %v", got, err)
			}
			if got, err := l.Remove(ctx, e.ID, ""); err != nil || got.ID != e.ID {
				t.Fatalf("remove: %+v %v", got, err)
			}
			if indexHolds(t, l, "foghorns Morwenna", e7.ID) || indexHolds(t, l, "dredging Quillón", e.ID) {
				t.Error("removed documents are still indexed")
			}
			if got := ids(l.List("")); !slices.Equal(got, seedIDs) {
				t.Errorf("after removal: %v", got)
			}
			if dir != "" {
				if files := storeFiles(t, dir); len(files) != 0 {
					t.Errorf("store still holds %v", files)
				}
			}
		})
	}
}

// storeFiles lists every file in the document store but its lock.
func storeFiles(t testing.TB, dataDir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dataDir, documentsDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != ".lock" {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestAddRejects(t *testing.T) {
	seed, err := os.ReadFile("../../seeds/spcis-china-latin-america-technology.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l := openLib(t, dir)
	ctx := context.Background()
	if _, err := l.Add(ctx, Upload{Name: "harbour.txt", Data: []byte(harbour), Server: "7"}); err != nil {
		t.Fatal(err)
	}
	ok := []byte(lighthouse)
	big := bytes.Repeat([]byte("Q: Why?\n\nA: Because.\n\n"), MaxUploadBytes/20+1)
	for _, tt := range []struct {
		name string
		u    Upload
		kind Kind
		want string
	}{
		{"empty", Upload{Name: "a.txt"}, Invalid, `"a.txt" is empty.`},
		{"blank", Upload{Name: "a.txt", Data: []byte("\xef\xbb\xbf \n\t\n")}, Invalid, `"a.txt" is empty.`},
		{"too large", Upload{Name: "big.txt", Data: big}, TooLarge, `"big.txt" is too large: 1,153,438 bytes, over the limit of 1,048,576 bytes (1 MiB).`},
		{"NUL bytes", Upload{Name: "a.bin", Data: []byte("Q: Why?\x00\x00\x01\nA: Because.\n")}, Invalid, `"a.bin" contains NUL bytes (the first on line 1): it looks like a binary file, not text`},
		{"UTF-16", Upload{Name: "a.txt", Data: []byte("\xff\xfeQ\x00:\x00 \x00W\x00h\x00y\x00?\x00")}, Invalid, `"a.txt" is saved as UTF-16 (Windows' "Unicode"): save it as UTF-8`},
		{"UTF-16 without a mark", Upload{Name: "a.txt", Data: []byte("\x00Q\x00:\x00 \x00W\x00h\x00y\x00?\x00\n\x00\n\x00A\x00:\x00 \x00S\x00o\x00.")}, Invalid, "is saved as UTF-16"},
		{"control characters", Upload{Name: "a.dat", Data: []byte("Q: \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\nA: x\n")}, Invalid, "looks like a binary file"},
		{"one control character", Upload{Name: "a.txt", Data: []byte("Q: Why?\n\nA: Be\x07cause.\n")}, Invalid, `"a.txt" contains a control character (U+0007) on line 3: the file must be plain text.`},
		{"PDF", Upload{Name: "a.pdf", Data: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")}, Invalid, `"a.pdf" is a PDF file: convert it to text first`},
		{"invalid UTF-8", Upload{Name: "latin1.txt", Data: []byte("Q: Why?\n\nA: Se\xf1or.\n")}, Invalid, `"latin1.txt" is not UTF-8 text (byte 0xf1 on line 3): save it as UTF-8 and upload it again.`},
		{"invalid UTF-8, lines ended by CR", Upload{Name: "mac.txt", Data: []byte("Q: Why?\r\rA: Se\xf1or.\r")}, Invalid, `"mac.txt" is not UTF-8 text (byte 0xf1 on line 3)`},
		{"HTML doctype", Upload{Name: "page.txt", Data: []byte("<!DOCTYPE html>\n<p>Q: Why?</p>\n")}, Invalid, `"page.txt" is an HTML page, not a transcript`},
		{"HTML tag", Upload{Name: "page.html", Data: []byte("  <html lang=en><body>Q: Why?\n\nA: Because.\n")}, Invalid, "is an HTML page"},
		{"HTML body after a comment", Upload{Name: "p.txt", Data: []byte("<!-- saved -->\n<body>\nQ: Why?\n\nA: Because.\n")}, Invalid, "is an HTML page"},
		{"no turns", Upload{Name: "notes.txt", Data: []byte("Just some prose about the harbour.\n\nAnother paragraph.\n")}, Invalid, `"notes.txt" cannot be added: no speaker turns found: expected lines like "Name: …" or "Q: …", each speaker's label starting two or more paragraphs (or named as interviewer or interviewee in the front matter).`},
		{"bad FAQ line", Upload{Name: "faq.jsonl", Data: []byte("{\"question\":\"Why?\",\"answer\":\"Because.\"}\n{bad\n")}, Invalid, `"faq.jsonl" cannot be added: line 2: expected a JSON object`},
		{"bad front matter line", Upload{Name: "a.txt", Data: []byte("---\ntitle: x\nBogus key: 1\n---\nQ: a\n\nA: b\n")}, Invalid, `"a.txt" cannot be added: line 3: "Bogus key" is not a front-matter key`},
		{"duplicate in server", Upload{Name: "copy.txt", Data: []byte(harbour), Server: "7"}, Duplicate, `This file is already in the corpus for this server, as interview-with-a-harbour-master-2bfbe7 ("Interview with a harbour master"); nothing was added.`},
		{"duplicate of a seed", Upload{Name: "seed.txt", Data: append([]byte("\n"), seed...)}, Duplicate, `are already in the corpus, as spcis-china-latin-america-technology`},
		{"blank title", Upload{Name: "a.txt", Data: ok, Title: "   "}, Invalid, "The title is empty."},
		{"long title", Upload{Name: "a.txt", Data: ok, Title: strings.Repeat("é", 201)}, Invalid, "The title is 201 characters long; the limit is 200."},
		{"title with a line break", Upload{Name: "a.txt", Data: ok, Title: "Two\nlines"}, Invalid, "The title contains a control character"},
		{"long title in the file", Upload{Name: "a.txt", Data: []byte("---\ntitle: " + strings.Repeat("x", 250) + "\n---\n" + lighthouse)}, Invalid, `The title found in "a.txt" is 250 characters long; the limit is 200. Give a shorter one with the title option.`},
		{"javascript URL", Upload{Name: "a.txt", Data: ok, URL: "javascript:alert(1)"}, Invalid, "The source URL must be an absolute http or https address"},
		{"ftp URL", Upload{Name: "a.txt", Data: ok, URL: "ftp://example.org/x"}, Invalid, "must be an absolute http or https address"},
		{"relative URL", Upload{Name: "a.txt", Data: ok, URL: "/interviews/1"}, Invalid, "must be an absolute http or https address"},
		{"URL without host", Upload{Name: "a.txt", Data: ok, URL: "https:///x"}, Invalid, "must be an absolute http or https address"},
		{"URL with space", Upload{Name: "a.txt", Data: ok, URL: "https://exa mple.org/"}, Invalid, "must be an absolute http or https address"},
		{"URL with credentials", Upload{Name: "a.txt", Data: ok, URL: "https://bob:hunter2@example.org/x"}, Invalid, "The source URL must not contain a user name or password."},
		{"unknown format", Upload{Name: "a.txt", Data: ok, Format: "docx"}, Invalid, `Unknown format "docx": use auto, transcript, markdown, jsonl or csv.`},
		{"wrong format", Upload{Name: "a.txt", Data: ok, Format: "csv"}, Invalid, `"a.txt" cannot be added: `},
		{"everywhere, what a server has", Upload{Name: "copy.txt", Data: []byte(harbour)}, Duplicate, `This file is already in the corpus for server 7, as interview-with-a-harbour-master-2bfbe7`},
		{"credentials in front matter", Upload{Name: "fm.txt", Data: []byte("---\nsource: https://user:hunter2@example.org/x\n---\n" + harbour)}, Invalid, `In the front matter of "fm.txt": The source URL must not contain a user name or password.`},
		{"hostile name", Upload{Name: "../../etc/\x1b[31mevil.txt", Data: []byte("x")}, Invalid, `mevil.txt" cannot be added`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, files, sections := l.List(""), storeFiles(t, dir), l.index.get().Count()
			_, err := l.Add(ctx, tt.u)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(e.Msg, tt.want) {
				t.Fatalf("err = %#v (%v), want kind %v with %q", e, err, tt.kind, tt.want)
			}
			if strings.Contains(e.Msg, "hunter2") || strings.Contains(e.Msg, "\x1b") || strings.Contains(e.Msg, "../") {
				t.Errorf("message repeats a secret or a control character: %q", e.Msg)
			}
			if !strings.HasSuffix(e.Msg, ".") {
				t.Errorf("not a sentence: %q", e.Msg)
			}
			if after := l.List(""); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the corpus changed: %v", ids(after))
			}
			if after := storeFiles(t, dir); !slices.Equal(after, files) {
				t.Errorf("the store changed: %v → %v", files, after)
			}
			if after := l.index.get().Count(); after != sections {
				t.Errorf("the index changed: %d → %d sections", sections, after)
			}
		})
	}
}

func TestReopenAndIDs(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l := openLib(t, dir)
	e1, err := l.Add(ctx, Upload{Name: "h.txt", Data: []byte(harbour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLib(t, dir)
	if got, err := l.Show(e1.ID, ""); err != nil || got.Bytes != len(harbour) || !got.Added.Equal(fixedClock) || got.Format != "transcript" {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
	if !found(t, l, "trawlers night shift", "", e1.ID) {
		t.Error("not searchable after reopening")
	}
	// Same title, other content: the next free id. A seed's title: not its id.
	e2, err := l.Add(ctx, Upload{Name: "h2.txt", Data: []byte(lighthouse), Title: "Interview with a harbour master"})
	if err != nil || e2.ID != "interview-with-a-harbour-master-2" {
		t.Fatalf("second id: %+v %v", e2, err)
	}
	seed := l.List("")[0]
	e3, err := l.Add(ctx, Upload{Name: "h3.txt", Data: []byte(lighthouse + "\n"), Title: "spcis china latin america technology"})
	if err != nil || e3.ID == seed.ID || e3.ID != seed.ID+"-2" {
		t.Fatalf("seed id reused: %+v %v", e3, err)
	}
}

func TestDamagedFileSkipped(t *testing.T) {
	dir := t.TempDir()
	l := openLib(t, dir)
	if _, err := l.Add(context.Background(), Upload{Name: "h.txt", Data: []byte(harbour)}); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	docs := filepath.Join(dir, documentsDir)
	for name, content := range map[string]string{"broken.json": `{"id":"broken","docu`, "lighthouse.json": `{}`, ".tmp-x-1": `{`} {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	l, err := Open(dir, Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := ids(l.List("")); len(got) != 2 || got[1] != "interview-with-a-harbour-master" {
		t.Errorf("list %v", got)
	}
	if n := strings.Count(logs.String(), "skipping damaged document file"); n != 2 {
		t.Errorf("%d warnings:\n%s", n, logs.String())
	}
	if _, err := os.Stat(filepath.Join(docs, ".tmp-x-1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp file left: %v", err)
	}
	// A damaged file's name is taken; the operator can remove it.
	e, err := l.Add(context.Background(), Upload{Name: "l.txt", Data: []byte(lighthouse), Title: "Lighthouse"})
	if err != nil || e.ID != "lighthouse-2" {
		t.Errorf("add next to a damaged file: %+v %v", e, err)
	}
	if _, err := l.Remove(context.Background(), "broken", "7"); kindOf(err) != NotFound {
		t.Errorf("a server removed a damaged file: %v", err)
	}
	if _, err := l.Remove(context.Background(), "broken", ""); err != nil {
		t.Errorf("remove damaged: %v", err)
	}
}

// Two processes on one data directory, as the bot and the command line:
// the second answers from memory, writes the store, and the first picks
// the change up.
func TestSharedDataDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	bot := openLib(t, dir)
	cli := openLib(t, dir)
	if bot.IndexShared() || !cli.IndexShared() {
		t.Fatalf("shared: bot %v, cli %v", bot.IndexShared(), cli.IndexShared())
	}
	if err := cli.Rebuild(ctx, nil); kindOf(err) != Busy || !strings.Contains(err.Error(), "is the bot running?") {
		t.Errorf("rebuild of a shared index: %v", err)
	}
	e, err := cli.Add(ctx, Upload{Name: "h.txt", Data: []byte(harbour), Server: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if !found(t, cli, "Puerto Quillón dredging", "7", e.ID) {
		t.Error("the command line's memory index lacks its own addition")
	}
	// Reconcile brings the bot in line at once.
	if _, err := bot.Show(e.ID, "7"); kindOf(err) != NotFound {
		t.Fatalf("the bot saw the document before reconciling: %v", err)
	}
	if err := bot.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if !found(t, bot, "Puerto Quillón dredging", "7", e.ID) {
		t.Fatal("the bot does not answer from the new document")
	}
	// The other process's duplicate check sees the bot's documents.
	if _, err := bot.Add(ctx, Upload{Name: "l.txt", Data: []byte(lighthouse)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Add(ctx, Upload{Name: "l.txt", Data: []byte(lighthouse), Server: "9"}); kindOf(err) != Duplicate {
		t.Errorf("duplicate across processes: %v", err)
	}
	// Watch does it within its interval.
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { bot.Watch(wctx, 5*time.Millisecond) })
	defer func() { cancel(); wg.Wait() }()
	if _, err := cli.Remove(ctx, e.ID, "7"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := bot.Show(e.ID, "7"); return kindOf(err) == NotFound })
	if indexHolds(t, bot, "Puerto Quillón dredging", e.ID) {
		t.Error("the bot's index still holds the removed document")
	}
}

// waitFor polls cond until it holds, failing after a few seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRebuild(t *testing.T) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			dir := ""
			if mode == "disk" {
				dir = t.TempDir()
			}
			ctx := context.Background()
			l := openLib(t, dir)
			g := newGenerator(7)
			var docs []genDoc
			for i := range 60 {
				d := g.interview(i, 4)
				docs = append(docs, d)
				if _, err := l.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title}); err != nil {
					t.Fatal(err)
				}
			}
			a := l.Answerer()
			sections := l.index.get().Count()
			// Searches go on during the rebuild.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := a.Ask(ctx, docs[3].Questions[0], "", 3); err != nil && !errors.Is(err, errNoIndex) {
						t.Error(err)
						return
					}
				}
			})
			var calls [][2]int
			err := l.Rebuild(ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) })
			close(stop)
			wg.Wait()
			if err != nil {
				t.Fatal(err)
			}
			total := 61
			if len(calls) < 3 || calls[0] != [2]int{0, total} || calls[len(calls)-1] != [2]int{total, total} {
				t.Errorf("progress %v", calls)
			}
			if got := l.index.get().Count(); got != sections {
				t.Errorf("%d sections after rebuild, %d before", got, sections)
			}
			ans, err := a.Ask(ctx, docs[42].Questions[1], "", 3)
			if err != nil || !ans.Answered || ans.Hits[0].Asked != docs[42].Questions[1] {
				t.Errorf("answer after rebuild: %+v %v", ans, err)
			}
			if dir != "" {
				for _, leftover := range []string{"index.rebuild", "index.old"} {
					if _, err := os.Stat(filepath.Join(dir, leftover)); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("%s: %v", leftover, err)
					}
				}
				// A cancelled rebuild keeps the old index.
				cctx, cancel := context.WithCancel(ctx)
				err := l.Rebuild(cctx, func(done, total int) {
					if done > 0 {
						cancel()
					}
				})
				if !errors.Is(err, context.Canceled) || l.index.get().Count() != sections {
					t.Errorf("cancelled rebuild: %v, %d sections", err, l.index.get().Count())
				}
				_ = l.Close()
				l2 := openLib(t, dir)
				if got := l2.index.get().Count(); got != sections {
					t.Errorf("reopened: %d sections, want %d", got, sections)
				}
			}
		})
	}
}

// TestRebuildSwapWithStartingProcess opens a second library on the data
// directory at the moment of a rebuild's swap, when bleve's lock on the
// index is released: it must answer from memory rather than take the
// index directory (or remove the rebuild as a crash's leftover), and the
// rebuild must complete.
func TestRebuildSwapWithStartingProcess(t *testing.T) {
	dir := t.TempDir()
	l := openLib(t, dir)
	ctx := context.Background()
	d := newGenerator(3).interview(0, 3)
	added, err := l.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title})
	if err != nil {
		t.Fatal(err)
	}
	var other *Library
	var otherErr error
	crashPoint = func(step string) {
		if step == "rebuild:swap" && other == nil && otherErr == nil {
			other, otherErr = Open(dir, Options{})
		}
	}
	defer func() { crashPoint = func(string) {} }()
	if err := l.Rebuild(ctx, nil); err != nil {
		t.Fatalf("rebuild with a process starting at its swap: %v", err)
	}
	if otherErr != nil || other == nil {
		t.Fatalf("the second process did not open: %v", otherErr)
	}
	defer other.Close()
	if !other.IndexShared() {
		t.Error("a process starting during the swap took the index directory")
	}
	for _, lib := range []*Library{l, other} {
		ans, err := lib.Answerer().Ask(ctx, d.Questions[0], "", 1)
		if err != nil || !ans.Answered || ans.Hits[0].Document != added.ID {
			t.Errorf("after the rebuild (shared %v): %v %+v", lib.IndexShared(), err, ans)
		}
	}
}

// TestWatchTakesOverTheIndex starts a library while another process owns
// the index directory (a command running as the bot starts): it answers
// from memory, and once the other is done, Watch moves it to the index on
// disk, after which it owns the directory (a third process shares) and can
// rebuild.
func TestWatchTakesOverTheIndex(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first := openLib(t, dir)
	d := newGenerator(5).interview(0, 3)
	added, err := first.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title})
	if err != nil {
		t.Fatal(err)
	}
	bot := openLib(t, dir)
	if !bot.IndexShared() {
		t.Fatal("a second process owns the index too")
	}
	answers := func(l *Library) bool {
		ans, err := l.Answerer().Ask(ctx, d.Questions[0], "", 1)
		return err == nil && ans.Answered && ans.Hits[0].Document == added.ID
	}
	if !answers(bot) {
		t.Fatal("the sharing process does not answer from memory")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bot.Watch(wctx, 5*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); bot.IndexShared(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Watch did not take over the free index directory")
		}
	}
	if !answers(bot) {
		t.Error("after the take-over the document is not answered")
	}
	third := openLib(t, dir)
	if !third.IndexShared() {
		t.Error("a third process owns the index the second took over")
	}
	if err := bot.Rebuild(ctx, nil); err != nil {
		t.Errorf("rebuild after the take-over: %v", err)
	}
	if !answers(bot) {
		t.Error("after the rebuild the document is not answered")
	}
}

// TestAddAll adds a batch holding good files, a bad one and the same file
// twice: each is added or refused on its own, in order, as Add would, the
// good ones indexed together and searchable, and the store holds exactly
// the accepted ones (reopened from disk).
func TestAddAll(t *testing.T) {
	dir := t.TempDir()
	l := openLib(t, dir)
	seeded := len(l.List(""))
	ctx := context.Background()
	g := newGenerator(11)
	var docs []genDoc
	var ups []Upload
	for i := range 4 {
		d := g.interview(i, 3)
		docs = append(docs, d)
		ups = append(ups, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title})
	}
	ups = append(ups[:2], append([]Upload{{Name: "empty.txt", Data: nil}}, ups[2:]...)...) // 2: empty
	ups = append(ups, ups[0])                                                              // 5: docs[0] again
	entries, errs := l.AddAll(ctx, ups)
	if len(entries) != 6 || len(errs) != 6 {
		t.Fatalf("%d entries, %d errors for 6 uploads", len(entries), len(errs))
	}
	for _, i := range []int{0, 1, 3, 4} {
		if errs[i] != nil || entries[i].ID == "" {
			t.Errorf("upload %d: %v %+v", i, errs[i], entries[i])
		}
	}
	if e, ok := errors.AsType[*Error](errs[2]); !ok || e.Kind != Invalid {
		t.Errorf("empty file: %v", errs[2])
	}
	if e, ok := errors.AsType[*Error](errs[5]); !ok || e.Kind != Duplicate {
		t.Errorf("the same file twice in one batch: %v", errs[5])
	}
	check := func(l *Library) {
		t.Helper()
		if n := len(l.List("")) - seeded; n != 4 {
			t.Errorf("%d documents added, want 4", n)
		}
		for k, i := range []int{0, 1, 3, 4} {
			ans, err := l.Answerer().Ask(ctx, docs[k].Questions[0], "", 1)
			if err != nil || !ans.Answered || ans.Hits[0].Document != entries[i].ID {
				t.Errorf("document %s not answered: %v %+v", entries[i].ID, err, ans.Hits)
			}
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	check(openLib(t, dir))
}

// TestIndexOwnedWithoutLockFile: a process of a version from before
// index.lock holds bleve's own lock on the index. A library opened beside
// it answers from memory, leaves index.lock free, and Watch does not try
// to take the directory over (each try would wait out bleve's lock
// timeout holding the library's lock).
func TestIndexOwnedWithoutLockFile(t *testing.T) {
	dir := t.TempDir()
	old, _, err := bleveindex.Open(filepath.Join(dir, indexDir), bleveindex.DefaultTuning, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	l := openLib(t, dir)
	if !l.IndexShared() {
		t.Fatal("a library took the index another process holds")
	}
	unlock, free, err := tryLockIndex(filepath.Join(dir, indexLock))
	if err != nil || !free {
		t.Fatalf("index.lock kept by a library that does not own the index: %v", err)
	}
	unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	l.Watch(ctx, 5*time.Millisecond) // returns when ctx ends
	if took := time.Since(start); took > 1500*time.Millisecond || !l.IndexShared() {
		t.Errorf("Watch tried to take over from a process without the lock file (returned after %v, shared %v)", took, l.IndexShared())
	}
	if ans, err := l.Answerer().Ask(context.Background(), "What did Hannig say about Huawei?", "", 1); err != nil || !ans.Answered {
		t.Errorf("the library does not answer from memory: %v %+v", err, ans)
	}
}

// An interviewer who gives prompts and an interviewee who asks rhetorical
// questions turn the inference round; the interviewer option puts it
// right, and a name with a line break is refused.
func TestAddInterviewerOption(t *testing.T) {
	l := openLib(t, t.TempDir())
	data := []byte("Pedro Gil: Tell me about your childhood.\n\nRosa Díaz: Where do I start? We lived by the sea. Who could forget it?\n\n" +
		"Pedro Gil: Describe your first job.\n\nRosa Díaz: What a job it was! I sold fish. Why fish? Because my father did.\n")
	e, err := l.Add(context.Background(), Upload{Name: "rosa.txt", Data: data, Interviewer: "Pedro Gil"})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := l.corpus.Document(e.ID)
	if len(d.Sections) != 2 || d.Sections[0].Question != "Tell me about your childhood." || d.Sections[0].Answerer != "Rosa Díaz" || d.Meta.Interviewee != "Rosa Díaz" {
		t.Errorf("with the interviewer named: %+v %+v", d.Meta, d.Sections)
	}
	_, err = l.Add(context.Background(), Upload{Name: "b.txt", Data: data, Interviewee: "Rosa\nDíaz"})
	if le, ok := errors.AsType[*Error](err); !ok || !strings.Contains(le.Msg, "The interviewee's name contains a control character") {
		t.Errorf("a name on two lines: %v", err)
	}
}
