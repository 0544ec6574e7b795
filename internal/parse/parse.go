// Package parse turns an uploaded file — an interview transcript with speaker
// labels, a Markdown article whose headings are the questions, or a FAQ in
// JSON Lines or CSV — into a document.Document whose questions and answers
// are the file's own text, never reworded. Problems with the file come back
// as *Error values that say what is wrong and on which line.
//
// Transcripts are cut into turns at speaker labels ("Name:", "**Name:**",
// "Name (Role):", "Q:", "MR. SMITH:"); a label-shaped line counts only if
// its speaker recurs, is named in the metadata or is a role such as "Q".
// The askers' consecutive turns form a question and the turns that follow
// form its answer; a question left unanswered at the end is dropped.
// pdftotext output of court transcripts (margin line numbers, page headers)
// is recognised and cleaned, its hard-wrapped lines joined with spaces.
package parse

import (
	"fmt"
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
)

// Format names an input format.
type Format string

// The formats Parse understands.
const (
	Auto       Format = ""           // detect from name and content
	Transcript Format = "transcript" // speaker-labelled turns
	Markdown   Format = "markdown"   // headings are the questions
	FAQJSONL   Format = "jsonl"      // {"question":..., "answer":...} per line
	FAQCSV     Format = "csv"        // header row naming question and answer columns
)

// Options tell Parse what it is looking at.
type Options struct {
	Name   string            // file name, used for format detection and as a last-resort title
	Format Format            // Auto to detect
	Meta   document.Metadata // non-empty fields override front matter / inferred values (moderator's command options)
}

// Error is a problem with the input. Line is the 1-based line of the
// original file it concerns, or 0 when it concerns the whole file or a
// command option. Every *Error satisfies errors.Is(err, document.ErrInvalid).
type Error struct {
	Line   int
	Reason string
}

// Error returns "line 12: reason", or just the reason when Line is 0.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

// Is reports whether target is document.ErrInvalid: every input problem
// makes the document invalid.
func (e *Error) Is(target error) bool { return target == document.ErrInvalid }

func errorf(line int, format string, args ...any) *Error {
	return &Error{Line: line, Reason: fmt.Sprintf(format, args...)}
}

// Messages for a file in which nothing of the expected shape was found.
const (
	noTurnsMsg    = `no speaker turns found: expected lines like "Name: …" or "Q: …", each speaker's label starting two or more paragraphs (or named as interviewer or interviewee in the front matter)`
	noHeadingsMsg = `no questions found: expected Markdown headings like "## What is …?", each followed by its answer`
	noJSONLMsg    = `no questions found: expected one JSON object per line, like {"question": "…", "answer": "…"}`
	noCSVMsg      = `no questions found: expected a header row naming "question" and "answer" columns, then one row per question`
)

// ParseFormat reads a format name as typed in a command option: "", "auto",
// "transcript" (also "txt", "text", "interview"), "markdown" ("md"), "jsonl"
// ("ndjson", "json") or "csv" ("tsv"), in any case, with or without a leading
// dot. An unknown name is an *Error.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")) {
	case "", "auto":
		return Auto, nil
	case "transcript", "txt", "text", "interview":
		return Transcript, nil
	case "markdown", "md":
		return Markdown, nil
	case "jsonl", "ndjson", "json", "faq-jsonl":
		return FAQJSONL, nil
	case "csv", "tsv", "faq-csv":
		return FAQCSV, nil
	}
	return "", errorf(0, "unknown format %q: use auto, transcript, markdown, jsonl or csv", s)
}

// result is what a format parser finds in the body.
type result struct {
	intro    []string
	sections []document.Section
	title    string // a title found in the content (Markdown H1)
	meta     document.Metadata
}

// Parse reads one uploaded file. It returns the document with ID and Server
// left empty, or an error: problems with the input are *Error (and satisfy
// errors.Is(err, document.ErrInvalid)); the message says what is wrong and
// where. The document returned has passed (*document.Document).Validate.
//
// Metadata comes from opt.Meta (non-empty fields win), then the front
// matter, then the content (a Markdown H1 title, speakers inferred from a
// transcript), then the file name for the title and DetectLanguage for the
// language.
func Parse(data []byte, opt Options) (document.Document, error) {
	doc, _, err := ParseFormatted(data, opt)
	return doc, err
}

// ParseFormatted is Parse, also returning the format the file was read as:
// opt.Format, else the front matter's, else the one detected.
func ParseFormatted(data []byte, opt Options) (document.Document, Format, error) {
	lines, err := prepare(data)
	if err != nil {
		return document.Document{}, "", err
	}
	fm, body, err := splitFrontMatter(lines)
	if err != nil {
		return document.Document{}, "", err
	}
	meta, err := mergeMeta(fm.meta, opt.Meta)
	if err != nil {
		return document.Document{}, "", err
	}
	format, err := ParseFormat(string(opt.Format))
	if err != nil {
		return document.Document{}, "", err
	}
	if format == Auto {
		format = fm.format
	}
	if format == Auto {
		format, err = detect(body, opt.Name, meta)
		if err != nil {
			return document.Document{}, "", err
		}
	}

	var res result
	switch format {
	case Transcript:
		res, err = parseTranscript(body, meta)
	case Markdown:
		res, err = parseMarkdown(body)
	case FAQJSONL:
		res, err = parseJSONL(body)
	case FAQCSV:
		res, err = parseCSV(body)
	}
	if err != nil {
		return document.Document{}, "", err
	}

	// Inferred values fill only what neither the options nor the front matter set.
	if meta.Interviewer == "" {
		meta.Interviewer = res.meta.Interviewer
	}
	if meta.Interviewee == "" {
		meta.Interviewee = res.meta.Interviewee
	}
	if meta.Title == "" {
		meta.Title = res.title
	}
	if meta.Title == "" {
		meta.Title = titleFromName(opt.Name)
	}
	if meta.Title == "" {
		meta.Title = "Untitled document"
	}
	if format == Markdown || format == FAQJSONL || format == FAQCSV {
		for i := range res.sections {
			if res.sections[i].Asker == "" {
				res.sections[i].Asker = meta.Interviewer
			}
			if res.sections[i].Answerer == "" {
				res.sections[i].Answerer = meta.Interviewee
			}
		}
	}
	doc := document.Document{Meta: meta, Intro: res.intro, Sections: res.sections}
	if doc.Meta.Language == "" {
		doc.Meta.Language = DetectLanguage(sampleText(&doc))
	}
	if err := doc.Validate(); err != nil {
		return document.Document{}, "", &Error{Reason: strings.TrimPrefix(err.Error(), document.ErrInvalid.Error()+": ")}
	}
	return doc, format, nil
}

// mergeMeta lays the command's options over the front matter and validates
// the fields that have a syntax.
func mergeMeta(fm, opt document.Metadata) (document.Metadata, error) {
	m := fm
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&m.Title, opt.Title)
	set(&m.Publisher, opt.Publisher)
	set(&m.Date, opt.Date)
	set(&m.Interviewer, opt.Interviewer)
	set(&m.Interviewee, opt.Interviewee)
	if v := strings.TrimSpace(opt.SourceURL); v != "" {
		if reason := checkSourceURL(v); reason != "" {
			return m, errorf(0, "%s", reason)
		}
		m.SourceURL = v
	}
	if v := strings.TrimSpace(opt.Language); v != "" {
		lang, ok := normLanguage(v)
		if !ok {
			return m, errorf(0, "language %q is not a language code such as \"en\" or \"es\"", v)
		}
		m.Language = lang
	}
	return m, nil
}

// sampleText gathers up to about 64 KiB of the document's text for language
// detection.
func sampleText(d *document.Document) string {
	const limit = 64 << 10
	var b strings.Builder
	add := func(s string) bool {
		b.WriteString(s)
		b.WriteByte('\n')
		return b.Len() < limit
	}
	for _, p := range d.Intro {
		if !add(p) {
			return b.String()
		}
	}
	for _, s := range d.Sections {
		if !add(s.Question) {
			return b.String()
		}
		for _, p := range s.Paragraphs {
			if !add(p) {
				return b.String()
			}
		}
	}
	return b.String()
}
