// Package document holds Verbatim's corpus model: a document is an optional
// introduction followed by sections, each an interview question and the answer
// given to it, kept exactly as written. It knows nothing of parsing formats,
// indexes or Discord.
package document

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/fold"
)

// Metadata describes where a document comes from. Every field is optional
// except Title, which Validate requires.
type Metadata struct {
	Title       string `json:"title"`
	SourceURL   string `json:"source,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
	Date        string `json:"date,omitempty"`
	Language    string `json:"language,omitempty"` // BCP 47 primary tag, "en" when unknown
	Interviewer string `json:"interviewer,omitempty"`
	Interviewee string `json:"interviewee,omitempty"`
}

// Document is one interview, FAQ or question-headed article.
type Document struct {
	ID       string    `json:"id"`
	Server   string    `json:"server,omitempty"` // owning Discord server; "" for documents answered everywhere
	Meta     Metadata  `json:"meta"`
	Intro    []string  `json:"intro,omitempty"` // paragraphs before the first question
	Sections []Section `json:"sections"`
}

// Section is one question and the answer given to it.
type Section struct {
	Question   string   `json:"question"`           // the question as asked, verbatim
	Asker      string   `json:"asker,omitempty"`    // speaker label of the question, as written
	Answerer   string   `json:"answerer,omitempty"` // speaker label of the answer, as written
	Paragraphs []string `json:"paragraphs"`         // the answer, verbatim, one entry per paragraph
}

// Answer returns the answer's paragraphs joined by blank lines.
func (s Section) Answer() string { return strings.Join(s.Paragraphs, "\n\n") }

// Ref names one section of one document. Section numbers start at 1; 0 is
// the introduction.
type Ref struct {
	Document string `json:"document"`
	Section  int    `json:"section"`
}

func (r Ref) String() string { return fmt.Sprintf("%s#q%d", r.Document, r.Section) }

// Section returns the numbered section (1-based) and whether it exists.
func (d *Document) Section(n int) (Section, bool) {
	if n < 1 || n > len(d.Sections) {
		return Section{}, false
	}
	return d.Sections[n-1], true
}

// Speakers lists the distinct speakers in order of first appearance, each
// as first written: labels that differ only in case, accents or spacing
// ("Joaquín Sáez", "Joaquin  Saez") are one speaker.
func (d *Document) Speakers() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		k := strings.Join(strings.Fields(fold.Lower(s)), " ")
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	for _, s := range d.Sections {
		add(s.Asker)
		add(s.Answerer)
	}
	return out
}

// ErrInvalid marks a document that cannot be accepted; the message says why.
var ErrInvalid = errors.New("invalid document")

// Validate checks that a document can be indexed and quoted: a title, at
// least one section with a question and an answer, and valid UTF-8
// everywhere.
func (d *Document) Validate() error {
	if strings.TrimSpace(d.Meta.Title) == "" {
		return fmt.Errorf("%w: it has no title", ErrInvalid)
	}
	if len(d.Sections) == 0 {
		return fmt.Errorf("%w: it has no questions and answers", ErrInvalid)
	}
	check := func(what, s string) error {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
		}
		return nil
	}
	if err := check("the title", d.Meta.Title); err != nil {
		return err
	}
	for i, s := range d.Sections {
		if strings.TrimSpace(s.Question) == "" {
			return fmt.Errorf("%w: question %d is empty", ErrInvalid, i+1)
		}
		if strings.TrimSpace(s.Answer()) == "" {
			return fmt.Errorf("%w: question %d (%q) has no answer", ErrInvalid, i+1, clip(s.Question, 60))
		}
		if err := check(fmt.Sprintf("question %d", i+1), s.Question+s.Answer()); err != nil {
			return err
		}
	}
	return nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
