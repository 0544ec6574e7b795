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
// the lines that follow it.
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
	seen := map[string]int{}
	for _, l := range lines[1:end] {
		s := strings.TrimSpace(l.text)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		colon := strings.IndexByte(s, ':')
		if colon <= 0 {
			return fm, nil, errorf(l.num, `expected "key: value" in the front matter, found %q`, clipText(s, 60))
		}
		key := strings.ToLower(strings.TrimSpace(s[:colon]))
		value := unquote(strings.TrimSpace(s[colon+1:]))
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
		default:
			return fm, nil, errorf(l.num, "unknown front-matter key %q (known keys: %s)", clipText(key, 40), frontMatterKeys)
		}
	}
	return fm, lines[end+1:], nil
}

// unquote removes one pair of matching quotes around a value, as YAML
// writers add them around values with colons.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
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
