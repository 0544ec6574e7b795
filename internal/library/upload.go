package library

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/parse"
	"github.com/verbatimbot/verbatim/internal/store"
)

// MaxUploadBytes is the largest file Add accepts: 1 MiB, several hours of
// transcript.
const MaxUploadBytes = 1 << 20

// MaxTitleChars is the longest title accepted, in characters.
const MaxTitleChars = 200

// maxURLBytes is the longest source URL accepted.
const maxURLBytes = 2048

// Upload is a file a moderator or an operator adds to the corpus.
type Upload struct {
	Name   string // file name as uploaded (format detection, messages)
	Data   []byte
	Title  string // optional, overrides the file's own
	URL    string // optional source URL (http or https, absolute)
	Format string // optional: "" detect, else as parse.ParseFormat accepts
	// Interviewer and Interviewee, optional, name who asks and who answers
	// (as the file's speaker labels do; several separated by commas), over
	// the file's own front matter and what the parser would infer.
	Interviewer, Interviewee string
	Server                   string // owning Discord server id; "" = answered everywhere
}

// prepared is an upload that passed every check that needs no store.
type prepared struct {
	doc    document.Document // ID and Server unset
	format string
	hash   string
}

// prepare validates an upload and parses it. Problems with it are *Error.
func prepare(u Upload) (*prepared, error) {
	name := displayName(u.Name)
	title, err := checkTitle(u.Title, "The title")
	if err != nil {
		return nil, err
	}
	source, err := checkURL(u.URL)
	if err != nil {
		return nil, err
	}
	interviewer, err := checkTitle(u.Interviewer, "The interviewer's name")
	if err != nil {
		return nil, err
	}
	interviewee, err := checkTitle(u.Interviewee, "The interviewee's name")
	if err != nil {
		return nil, err
	}
	format, err := parse.ParseFormat(u.Format)
	if err != nil {
		return nil, userErr(Invalid, "%s.", sentence(err.Error()))
	}
	if err := checkData(name, u.Data); err != nil {
		return nil, err
	}
	opt := parse.Options{Name: u.Name, Format: format, Meta: document.Metadata{Title: title, SourceURL: source,
		Interviewer: interviewer, Interviewee: interviewee}}
	doc, parsedAs, err := parse.ParseFormatted(u.Data, opt)
	var pe *parse.Error
	if errors.As(err, &pe) {
		return nil, userErr(Invalid, "%s cannot be added: %s.", name, strings.TrimSuffix(pe.Error(), "."))
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u.Name, err)
	}
	if doc.Meta.SourceURL != source {
		// From the file's front matter: held to the same rules as the option.
		if _, err := checkURL(doc.Meta.SourceURL); err != nil {
			e := err.(*Error)
			e.Msg = "In the front matter of " + name + ": " + e.Msg
			return nil, e
		}
	}
	if _, err := checkTitle(doc.Meta.Title, "The title found in "+name); err != nil {
		e := err.(*Error)
		e.Msg += " Give a shorter one with the title option."
		return nil, e
	}
	return &prepared{doc: doc, format: string(parsedAs), hash: store.Hash(u.Data)}, nil
}

// displayName is the uploaded file's name as messages show it: its base
// name, quoted, without control characters, clipped.
func displayName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.ToValidUTF8(name, "?"), "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "The file"
	}
	return strconv.Quote(clip(name, 80))
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// sentence capitalises the first letter of a message from another package.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// checkTitle returns the title trimmed, or an *Error whose message begins
// with what. An empty title is no title (the file's own is used) unless
// it is only spaces.
func checkTitle(title, what string) (string, error) {
	if title == "" {
		return "", nil
	}
	if !utf8.ValidString(title) {
		return "", userErr(Invalid, "%s is not valid UTF-8 text.", what)
	}
	t := strings.TrimSpace(title)
	if t == "" {
		return "", userErr(Invalid, "%s is empty.", what)
	}
	if strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return "", userErr(Invalid, "%s contains a control character such as a line break; write it on one line.", what)
	}
	if n := utf8.RuneCountInString(t); n > MaxTitleChars {
		return "", userErr(Invalid, "%s is %d characters long; the limit is %d.", what, n, MaxTitleChars)
	}
	return t, nil
}

// checkURL returns the source URL trimmed, or an *Error. The message never
// repeats the URL: it may hold credentials.
func checkURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	const want = "The source URL must be an absolute http or https address, like https://example.org/interview."
	if len(s) > maxURLBytes {
		return "", userErr(Invalid, "The source URL is longer than %d characters.", maxURLBytes)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", userErr(Invalid, "%s", want)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", userErr(Invalid, "%s", want)
	}
	if u.User != nil {
		return "", userErr(Invalid, "The source URL must not contain a user name or password.")
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return "", userErr(Invalid, "%s", want)
	}
	return s, nil
}

// checkData refuses what cannot be a text transcript, before parsing.
func checkData(name string, data []byte) error {
	if len(data) > MaxUploadBytes {
		return userErr(TooLarge, "%s is too large: %s bytes, over the limit of %s bytes (1 MiB).", name, thousands(len(data)), thousands(MaxUploadBytes))
	}
	p := parse.CheckText(data)
	if p == nil {
		return nil
	}
	switch p.Fault {
	case parse.Empty:
		return userErr(Invalid, "%s is empty.", name)
	case parse.PDF:
		return userErr(Invalid, "%s is a PDF file: convert it to text first (for example with pdftotext -layout) and upload the text.", name)
	case parse.ZIP:
		return userErr(Invalid, "%s is a ZIP archive or a Word/OpenDocument file: save it as plain text or Markdown and upload that.", name)
	case parse.RTF:
		return userErr(Invalid, "%s is an RTF file: save it as plain text or Markdown and upload that.", name)
	case parse.UTF16:
		return userErr(Invalid, "%s is saved as UTF-16 (Windows' \"Unicode\"): save it as UTF-8 and upload it again.", name)
	case parse.Binary:
		if p.Byte == 0 {
			return userErr(Invalid, "%s contains NUL bytes (the first on line %d): it looks like a binary file, not text. Save the interview as plain text or Markdown and upload that.", name, p.Line)
		}
		return userErr(Invalid, "%s looks like a binary file, not text: save the interview as plain text or Markdown and upload that.", name)
	case parse.NotUTF8:
		return userErr(Invalid, "%s is not UTF-8 text (byte 0x%02x on line %d): save it as UTF-8 and upload it again.", name, p.Byte, p.Line)
	case parse.Control:
		return userErr(Invalid, "%s contains a control character (U+%04X) on line %d: the file must be plain text.", name, p.Byte, p.Line)
	default:
		return userErr(Invalid, "%s is an HTML page, not a transcript: save the interview as plain text or Markdown and upload that.", name)
	}
}

// thousands writes n with comma separators: 1,048,576.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
