package parse

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/document"
)

var (
	fuzzFormats = []Format{Auto, Transcript, Markdown, FAQJSONL, FAQCSV}
	fuzzNames   = []string{"", "upload.txt", "upload.md", "upload.jsonl", "upload.csv"}
)

// normalised is the input as the parsers see it: no BOM, LF line breaks.
func normalised(data []byte) string {
	s := string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// numberedLayout reports whether data is a layout whose text is joined
// rather than quoted line by line: a line-numbered pdftotext page, or
// subtitle cues (one speaker's cues are one paragraph, their timings gone).
func numberedLayout(data []byte) bool {
	lines, err := prepare(data)
	if err != nil {
		return false
	}
	_, body, err := splitFrontMatter(lines)
	return err == nil && (isNumbered(body) || isSubtitles(body))
}

func checkInputError(t *testing.T, err error, data []byte) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if !errors.Is(err, document.ErrInvalid) {
		t.Fatalf("error %v does not satisfy errors.Is(err, document.ErrInvalid)", err)
	}
	if lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1; pe.Line < 0 || pe.Line > lines {
		t.Fatalf("error %v names line %d of a %d-line input", err, pe.Line, lines)
	}
}

func FuzzParse(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	fixtures = append(fixtures, filepath.Join("..", "..", "seeds", "spcis-china-latin-america-technology.txt"))
	for i, path := range fixtures {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(i))
	}
	for i, s := range []string{
		"", "Q: a\nA: b", "# Q?\n\nA.", `{"question":"a","answer":"b"}`, "question,answer\na,b",
		"---\ntitle: x\n---\n", " 1   JUSTICE X:    a?\n 2   MR. Y:    b.\n",
		"**A:**", "*:* x", "Ana (: x\n\nAna (: y", "\ufeff\r\rQ: \rA: x\r",
	} {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		opt := Options{Format: fuzzFormats[int(which)%len(fuzzFormats)], Name: fuzzNames[int(which/8)%len(fuzzNames)]}
		doc, format, err := ParseFormatted(data, opt)
		if turns, terr := Turns(data); terr == nil && !numberedLayout(data) {
			src := normalised(data)
			for _, tr := range turns {
				for _, p := range strings.Split(tr.Text, "\n\n") {
					if !strings.Contains(src, p) {
						t.Fatalf("turn text %q is not in the input", p)
					}
				}
			}
		} else if terr != nil {
			checkInputError(t, terr, data)
		}
		if err != nil {
			checkInputError(t, err, data)
			return
		}
		if err := doc.Validate(); err != nil {
			t.Fatalf("Parse returned an invalid document: %v", err)
		}
		if format == FAQJSONL || format == FAQCSV || numberedLayout(data) {
			return // answers are decoded from JSON or CSV, or joined from hard wraps
		}
		src := normalised(data)
		verbatim := func(what, s string) {
			if !strings.Contains(src, s) {
				t.Fatalf("%s %q is not in the input", what, s)
			}
		}
		for _, p := range doc.Intro {
			verbatim("intro paragraph", p)
		}
		for _, s := range doc.Sections {
			for _, q := range strings.Split(s.Question, "\n\n") {
				if format == Markdown {
					q = s.Question
				}
				verbatim("question", q)
			}
			for _, p := range s.Paragraphs {
				verbatim("answer paragraph", p)
			}
		}
	})
}

func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{
		"title: x", "title: a: b\nsource: https://example.org/x?y=z", "url: http://a.b\nlang: es-CL",
		"format: md\ninterviewer: Ana, Luis\ninterviewee: Eva", "# comment\n\npublisher: 'Quoted'",
		"title x", "Title: X", "bogus: 1", "source: ftp://x", "language: english", "date: \"2024\"",
		"title: x\ntitle: y", "format: docx", "language: 12", "---",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, block string) {
		data := []byte("---\n" + block + "\n---\nQ: why?\n\nA: because.\n")
		lines, err := prepare(data)
		if err != nil {
			return
		}
		fm, body, err := splitFrontMatter(lines)
		if err != nil {
			checkInputError(t, err, data)
			return
		}
		switch {
		case len(body) == 0:
			t.Fatal("no body")
		case body[0].num == 1: // not front matter: all of it is the document's
			if fm != (frontMatter{}) || len(body) != len(lines) {
				t.Fatalf("a block left to the document, yet read: %+v", fm)
			}
		case body[0].num < 3:
			t.Fatalf("body starts at line %v", body)
		}
		m := fm.meta
		if m.SourceURL != "" && checkSourceURL(m.SourceURL) != "" {
			t.Fatalf("accepted source %q", m.SourceURL)
		}
		if lang, ok := normLanguage(m.Language); m.Language != "" && (!ok || lang != m.Language) {
			t.Fatalf("accepted language %q", m.Language)
		}
		// What was read can be written back and read again unchanged.
		fields := []struct{ key, value string }{
			{"title", m.Title}, {"source", m.SourceURL}, {"publisher", m.Publisher}, {"date", m.Date},
			{"language", m.Language}, {"interviewer", m.Interviewer}, {"interviewee", m.Interviewee},
			{"format", string(fm.format)},
		}
		var b strings.Builder
		b.WriteString("---\n")
		for _, f := range fields {
			if strings.ContainsAny(f.value, "\n\r") {
				t.Fatalf("%s value %q spans lines", f.key, f.value)
			}
			// In double quotes, as YAML writes them: \ and " escaped.
			b.WriteString(f.key + ": \"" + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.value) + "\"\n")
		}
		b.WriteString("---\n")
		lines2, err := prepare([]byte(b.String()))
		if err != nil {
			t.Fatalf("rewritten front matter rejected: %v\n%s", err, b.String())
		}
		fm2, _, err := splitFrontMatter(lines2)
		if err != nil {
			t.Fatalf("rewritten front matter rejected: %v\n%s", err, b.String())
		}
		if fm2 != fm {
			t.Fatalf("round trip changed the front matter:\n%+v\n%+v", fm, fm2)
		}
		// And the whole document still parses.
		if _, err := Parse(data, Options{}); err != nil {
			checkInputError(t, err, data)
		}
	})
}
