package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/mdtext"
)

var (
	//go:embed style.css
	styleCSS string
	//go:embed pages.html
	pagesHTML string

	pages = template.Must(template.New("pages").Parse(pagesHTML))

	// contentSecurityPolicy allows the pages' one inline style sheet, by
	// its hash, their icon, and forms to this server: nothing else.
	contentSecurityPolicy = "default-src 'none'; style-src '" + styleHash() + "'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

func styleHash() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// page is what every page template starts from.
type page struct {
	Lang    string
	Title   string
	NoIndex bool
	CSS     template.CSS
}

func newPage(title, lang string) page {
	return page{Lang: lang, Title: title, CSS: template.CSS(styleCSS)}
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page with the headers every page carries. It renders to
// a buffer first so that a template error is a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any, private bool) {
	buf := bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufs.Put(buf)
	if err := pages.ExecuteTemplate(buf, name, data); err != nil {
		s.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		if name != "error" {
			s.errorPage(w, r, http.StatusInternalServerError)
		} else {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if private {
		// A page behind a token stays out of shared caches and indexes.
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

type errorData struct {
	page
	Heading, Message string
}

// errorPage writes the small page for an error status. An unknown document
// and one whose token is missing or wrong get the same 404, so the page
// tells nothing about which ids exist.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	d := errorData{page: newPage(http.StatusText(status)+" · Verbatim", "en"), Heading: http.StatusText(status)}
	switch status {
	case http.StatusNotFound:
		d.Heading, d.Message = "Page not found", "There is no page at this address. If someone gave you a link, it may be incomplete."
	case http.StatusMethodNotAllowed:
		d.Message = "This page can only be read, not sent to."
	case http.StatusInternalServerError:
		d.Heading, d.Message = "Something went wrong", "That failed on our side. Please try again in a moment."
	}
	s.render(w, r, status, "error", d, false)
}

// section is one question and its answer as a page shows them.
type section struct {
	N          int
	Question   string
	Asker      string
	Speaker    string
	Paragraphs []string
	SourceLink string // the question in the document's source, if it has one
}

type documentData struct {
	page
	Doc      *document.Document
	DocLang  string // the document's language, for its text
	Source   *sourceLink
	Sections []section
}

type sourceLink struct{ URL, Label string }

// document serves GET /docs/{id}[?k=token].
func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	id, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/docs/"))
	if err != nil || id == "" || strings.Contains(id, "/") {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	d, ok := s.opt.Corpus.Document(id)
	if !ok {
		// Check a token all the same, so that an unknown id takes as long
		// as a server's document with a wrong token: the time tells nothing.
		s.opt.Links.Allowed(&document.Document{ID: id, Server: "?"}, r.URL.Query().Get("k"))
	}
	if !ok || (d.Server != "" && !s.opt.Links.Allowed(d, r.URL.Query().Get("k"))) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	// The interface is English; the document's own text is in its language.
	data := documentData{page: newPage(d.Meta.Title+" · Verbatim", "en"), Doc: d, DocLang: language(d.Meta.Language)}
	data.NoIndex = d.Server != ""
	if u, label, ok := webURL(d.Meta.SourceURL); ok {
		data.Source = &sourceLink{URL: u, Label: label}
	}
	data.Sections = make([]section, len(d.Sections))
	for i, sec := range d.Sections {
		// A question shows as rendered (a Markdown document's emphasis is
		// not its text); answers stay as written.
		v := section{N: i + 1, Question: mdtext.Shown(sec.Question), Asker: sec.Asker, Speaker: sec.Answerer, Paragraphs: sec.Paragraphs}
		if v.Asker == "" {
			v.Asker = d.Meta.Interviewer
		}
		if v.Speaker == "" {
			v.Speaker = d.Meta.Interviewee
		}
		if data.Source != nil {
			v.SourceLink = s.opt.Answerer.Link(d, v.N)
		}
		data.Sections[i] = v
	}
	s.render(w, r, http.StatusOK, "document", data, d.Server != "")
}

// webURL returns u when it is an absolute http(s) address, with its host
// as a label.
func webURL(u string) (string, string, bool) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", "", false
	}
	return u, strings.TrimPrefix(p.Hostname(), "www."), true
}

// language returns a document's language tag for the lang attribute, "en"
// when it is missing or not shaped like a BCP 47 tag.
func language(tag string) string {
	if tag == "" || len(tag) > 35 {
		return "en"
	}
	for _, r := range tag {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return "en"
		}
	}
	return tag
}

type hitView struct {
	answer.Hit
	Paragraphs []string
	Lang       string // the document's, for the quote's pronunciation
}

type suggestionView struct {
	answer.Suggestion
	Title  string
	AskURL string
	Link   string
	Lang   string
}

type documentLink struct {
	URL, Title, Detail, Lang string
}

type indexData struct {
	page
	MaxChars    int
	Question    string
	Asked       bool
	More        bool   // showing the answers after the first ones
	MoreURL     string // to the answers after these, "" when there are none
	Problem     string
	Answer      answer.Answer
	Hits        []hitView
	Suggestions []suggestionView
	Documents   []documentLink
}

// index serves GET / and, with ?q=, answers the question from the shared
// documents as /ask does.
// errBusy is ask's error when every answering slot stayed taken.
var errBusy = errors.New("too many questions at once")

// ask answers a question from the shared documents, taking one of the
// slots that bound the answers the web computes at once: the box is open
// to anyone, and must not take the cores from the bot's answers.
func (s *Server) ask(ctx context.Context, question string) (answer.Answer, error) {
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
	case <-t.C:
		return answer.Answer{}, errBusy
	case <-ctx.Done():
		return answer.Answer{}, ctx.Err()
	}
	defer func() { <-s.slots }()
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	return s.opt.Answerer.Ask(ctx, question, "", 2*topHits)
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	data := indexData{page: newPage("Verbatim", "en"), MaxChars: answer.MaxQuestionChars}
	status := http.StatusOK
	query := r.URL.Query()
	if query.Has("q") {
		data.Asked = true
		data.Question = query.Get("q")
		data.More = query.Get("more") == "1"
		data.Title = "Answers · Verbatim"
		// The page repeats whatever its link says: not for search engines.
		data.NoIndex = true
		w.Header().Set("X-Robots-Tag", "noindex")
		ans, err := s.ask(r.Context(), data.Question)
		switch {
		case errors.Is(err, errBusy):
			data.Problem = "Many people are asking right now. Please try again in a moment."
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "2")
		case errors.Is(err, answer.ErrEmptyQuestion):
			data.Problem = "Type a question in the box, then press Ask."
		case errors.Is(err, answer.ErrQuestionTooLong):
			data.Problem = fmt.Sprintf("That question is too long: please keep it under %d characters.", answer.MaxQuestionChars)
			status = http.StatusBadRequest
		case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
			return // the reader left
		case err != nil:
			s.log.Error("answer a question from the web", "err", err)
			data.Problem = "Something went wrong while answering. Please try again in a moment."
			status = http.StatusInternalServerError
		default:
			data.Answer = ans
			s.views(&data)
		}
	}
	for _, d := range s.opt.Corpus.Documents("") {
		data.Documents = append(data.Documents, documentLink{URL: localPath(d.ID, 0), Title: d.Meta.Title, Detail: detail(d), Lang: language(d.Meta.Language)})
	}
	s.render(w, r, status, "index", data, false)
}

// views fills in what the answer's hits and suggestions show: the first
// topHits hits, or with More the ones after them, as /ask's "More results".
func (s *Server) views(data *indexData) {
	hits := data.Answer.Hits
	switch {
	case data.More:
		hits = hits[min(topHits, len(hits)):]
	case len(hits) > topHits:
		hits = hits[:topHits]
		data.MoreURL = "/?q=" + url.QueryEscape(data.Question) + "&more=1"
	}
	for _, h := range hits {
		if h.Link == "" {
			h.Link = localPath(h.Document, h.Section)
		}
		h.Asked = mdtext.Shown(h.Asked)
		if h.Asked == "" {
			h.Asked = "Introduction"
		}
		v := hitView{Hit: h, Paragraphs: paragraphs(h.Quote), Lang: "en"}
		if d, ok := s.opt.Corpus.Document(h.Document); ok {
			v.Lang = language(d.Meta.Language)
		}
		data.Hits = append(data.Hits, v)
	}
	for _, sg := range data.Answer.Suggestions {
		sg.Question = mdtext.Shown(sg.Question)
		v := suggestionView{Suggestion: sg, AskURL: "/?q=" + url.QueryEscape(sg.Question), Link: localPath(sg.Document, sg.Section), Lang: "en"}
		if d, ok := s.opt.Corpus.Document(sg.Document); ok {
			v.Title, v.Lang = d.Meta.Title, language(d.Meta.Language)
			if l := s.opt.Answerer.Link(d, sg.Section); l != "" {
				v.Link = l
			}
		}
		data.Suggestions = append(data.Suggestions, v)
	}
}

// localPath is the path of a shared document's page on this server, at
// the section's anchor when section is not 0.
func localPath(id string, section int) string {
	p := answer.DocumentPath("", id)
	if section > 0 {
		p += "#q" + strconv.Itoa(section)
	}
	return p
}

// detail says who speaks in d and how many questions it holds.
func detail(d *document.Document) string {
	var parts []string
	if d.Meta.Interviewee != "" {
		parts = append(parts, d.Meta.Interviewee)
	}
	if d.Meta.Publisher != "" {
		parts = append(parts, d.Meta.Publisher)
	}
	if d.Meta.Date != "" {
		parts = append(parts, d.Meta.Date)
	}
	n := len(d.Sections)
	q := "questions"
	if n == 1 {
		q = "question"
	}
	parts = append(parts, fmt.Sprintf("%d %s", n, q))
	return strings.Join(parts, " · ")
}

// paragraphs splits a quote at its blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const faviconSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b57a4"/><path fill="#fff" d="M8 22v-5c0-4 2-7 6-8l1 2c-2 1-3 2-3 4h3v7zm10 0v-5c0-4 2-7 6-8l1 2c-2 1-3 2-3 4h3v7z"/></svg>`

func favicon(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(faviconSVG))
}
