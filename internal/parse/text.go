package parse

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/fold"
)

// foldKey reduces a speaker name to a comparison key: accents and case
// folded, punctuation dropped, words separated by single spaces. "Joaquín
// Sáez", "JOAQUIN SAEZ" and "Joaquin  Sáez" share a key.
func foldKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range fold.Lower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'' || r == '’': // O'Brien, O’Brien, OBrien
			continue
		default:
			space = true
		}
	}
	return b.String()
}

func lastWord(key string) string {
	if i := strings.LastIndexByte(key, ' '); i >= 0 {
		return key[i+1:]
	}
	return key
}

// titleFromName turns a file name such as "spcis_china-latam.v2.txt" into
// words ("Spcis china latam v2"), or "" when nothing is left.
func titleFromName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	if ext := path.Ext(name); ext != "" && ext != name {
		name = strings.TrimSuffix(name, ext)
	}
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r == '+' || unicode.IsSpace(r) || !unicode.IsPrint(r)
	}), " ")
	if name == "" || name == "/" || !utf8.ValidString(name) {
		return ""
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[size:]
}

// splitParagraphs splits s on blank lines and trims each paragraph.
func splitParagraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, l := range strings.Split(s, "\n") {
		if isBlank(l) {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}
