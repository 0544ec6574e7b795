package parse

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldTable maps accented Latin letters to their lower-case base letter.
var foldTable = func() map[rune]rune {
	groups := []struct {
		from string
		to   rune
	}{
		{"ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'a'},
		{"ÇçĆćĈĉĊċČč", 'c'},
		{"ĎďĐđ", 'd'},
		{"ÈÉÊËèéêëĒēĔĕĖėĘęĚě", 'e'},
		{"ĜĝĞğĠġĢģ", 'g'},
		{"ĤĥĦħ", 'h'},
		{"ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", 'i'},
		{"Ĵĵ", 'j'},
		{"Ķķ", 'k'},
		{"ĹĺĻļĽľĿŀŁł", 'l'},
		{"ÑñŃńŅņŇň", 'n'},
		{"ÒÓÔÕÖØòóôõöøŌōŎŏŐő", 'o'},
		{"ŔŕŖŗŘř", 'r'},
		{"ŚśŜŝŞşŠš", 's'},
		{"ŢţŤťŦŧ", 't'},
		{"ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'u'},
		{"Ŵŵ", 'w'},
		{"ÝýÿŶŷŸ", 'y'},
		{"ŹźŻżŽž", 'z'},
	}
	m := map[rune]rune{}
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// foldKey reduces a speaker name to a comparison key: accents and case
// folded, punctuation dropped, words separated by single spaces. "Joaquín
// Sáez", "JOAQUIN SAEZ" and "Joaquin  Sáez" share a key.
func foldKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r): // combining accents of decomposed text
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if f, ok := foldTable[r]; ok {
				r = f
			} else {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		case r == '\'' || r == '’': // O'Brien, O’Brien, OBrien
			continue
		default:
			space = true
		}
	}
	return b.String()
}

func firstWord(key string) string {
	w, _, _ := strings.Cut(key, " ")
	return w
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
