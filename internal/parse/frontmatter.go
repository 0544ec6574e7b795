package parse

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
)

// frontMatter is what a leading "---" block says about the document.
type frontMatter struct {
	meta   document.Metadata
	format Format
}

// frontMatterKeys lists the keys a front-matter block may use, for messages.
const frontMatterKeys = "title, source, publisher, date, language, interviewer, interviewee, format"

// splitFrontMatter reads an optional front-matter block — "key: value" lines
// between two "---" lines at the very top of the file — and returns it with
// the lines that follow it. Keys it does not know (a blog's "author" or
// "tags") are skipped. A "---" block that names none of the document's
// keys, such as a transcript's first exchange between separators
// ("Interviewer: …" / "Interviewee: …"), is not front matter: it is left
// to the document.
func splitFrontMatter(lines []line) (frontMatter, []line, error) {
	var fm frontMatter
	if len(lines) == 0 || strings.TrimRight(lines[0].text, " \t") != "---" {
		return fm, lines, nil
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i].text) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return fm, nil, errorf(lines[0].num, `the front matter that starts here has no closing "---" line`)
	}
	if !meantAsFrontMatter(lines[1:end]) {
		return fm, lines, nil
	}
	seen := map[string]int{}
	skipping := false // in another tool's key, whose value may go on over lines
	for _, l := range lines[1:end] {
		s := strings.TrimSpace(l.text)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		// A YAML list item or an indented line goes on with the key above.
		if skipping && (l.text != strings.TrimLeft(l.text, " \t") || strings.HasPrefix(s, "- ") || s == "-") {
			continue
		}
		skipping = false
		colon := strings.IndexByte(s, ':')
		if colon <= 0 {
			return fm, nil, errorf(l.num, `expected "key: value" in the front matter, found %q`, clipText(s, 60))
		}
		key := strings.ToLower(strings.TrimSpace(s[:colon]))
		if !knownKeys[key] {
			if !yamlKey(key) {
				return fm, nil, errorf(l.num, "%q is not a front-matter key (keys are words such as %s)", clipText(strings.TrimSpace(s[:colon]), 40), frontMatterKeys)
			}
			// Another tool's key (a blog's "author", "tags"): not ours,
			// nor is its value, however it is written.
			skipping = true
			continue
		}
		value, ok := unquote(strings.TrimSpace(s[colon+1:]))
		if !ok {
			return fm, nil, errorf(l.num, "the quoted value of %q does not close, or has text after its closing quote", clipText(key, 40))
		}
		switch key {
		case "url":
			key = "source"
		case "lang":
			key = "language"
		}
		if prev, dup := seen[key]; dup {
			return fm, nil, errorf(l.num, "front-matter key %q is already set on line %d", key, prev)
		}
		seen[key] = l.num
		switch key {
		case "title":
			fm.meta.Title = value
		case "source":
			if value != "" {
				if reason := checkSourceURL(value); reason != "" {
					return fm, nil, errorf(l.num, "%s", reason)
				}
			}
			fm.meta.SourceURL = value
		case "publisher":
			fm.meta.Publisher = value
		case "date":
			fm.meta.Date = value
		case "language":
			if value != "" {
				lang, ok := normLanguage(value)
				if !ok {
					return fm, nil, errorf(l.num, "language %q is not a language code such as \"en\" or \"es\"", value)
				}
				value = lang
			}
			fm.meta.Language = value
		case "interviewer":
			fm.meta.Interviewer = value
		case "interviewee":
			fm.meta.Interviewee = value
		case "format":
			f, err := ParseFormat(value)
			if err != nil {
				return fm, nil, errorf(l.num, "%s", err.(*Error).Reason)
			}
			fm.format = f
		}
	}
	return fm, lines[end+1:], nil
}

// knownKeys are the keys front matter may set, aliases included.
var knownKeys = map[string]bool{"title": true, "source": true, "url": true, "publisher": true, "date": true,
	"language": true, "lang": true, "interviewer": true, "interviewee": true, "format": true}

// meantAsFrontMatter reports whether a "---" block's lines are front
// matter: one of them sets a known key, the people's keys written in lower
// case as YAML has them (as "Interviewer:" and "Interviewee:" they are
// speaker labels).
func meantAsFrontMatter(block []line) bool {
	for _, l := range block {
		k, _, ok := strings.Cut(strings.TrimSpace(l.text), ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		lk := strings.ToLower(k)
		if knownKeys[lk] && (k == lk || (lk != "interviewer" && lk != "interviewee")) {
			return true
		}
	}
	return false
}

// yamlKey reports whether k looks like a key of another tool's front
// matter (a word, maybe with digits, "-" or "_"), which is skipped,
// rather than a mistake, which is reported.
func yamlKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for i, c := range k {
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// unquote reads a YAML scalar as front matter writes them: one pair of
// matching quotes removed (with \" and \\ read in double quotes), or, for a
// value without quotes, a " # " comment removed. false for a value that
// opens a quote it does not close.
func unquote(v string) (string, bool) {
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		// " # " starts a comment; "#4" in a title ("Episode #4") is kept.
		if i := strings.Index(v+" ", " # "); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		return v, true
	}
	q := v[0]
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'': // '' is a quote in single quotes
			b.WriteByte(q)
			i++
		case c == q:
			if rest := strings.TrimSpace(v[i+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
				return "", false
			}
			return strings.TrimSpace(b.String()), true
		case c == '\\' && q == '"' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\'):
			b.WriteByte(v[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// checkSourceURL returns why u is not an absolute http(s) URL, or "".
func checkSourceURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || strings.ContainsAny(u, " \t") {
		return "source " + quoteClip(u) + " is not an absolute http(s) URL"
	}
	return ""
}

// normLanguage turns a language tag or name into its primary BCP 47 subtag.
func normLanguage(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "english", "inglés", "ingles":
		return "en", true
	case "spanish", "español", "espanol", "castellano":
		return "es", true
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(v, "_", "-"), "-")
	if len(primary) < 2 || len(primary) > 3 {
		return "", false
	}
	for _, c := range primary {
		if c < 'a' || c > 'z' {
			return "", false
		}
	}
	return primary, true
}

func quoteClip(s string) string { return strconv.Quote(clipText(s, 80)) }

// clipText shortens s to n runes for an error message.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
