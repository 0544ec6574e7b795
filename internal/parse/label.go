package parse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// label is a speaker label found at the start of a line: "Name:",
// "**Name:**", "**Name**:", "Name (Role):", "MR. SMITH:".
type label struct {
	name    string // the name as written, without markup, role or colon
	text    string // the label as written, without markup or colon: "Name (Role)"
	key     string // foldKey(name)
	bold    bool   // wrapped in markup: Markdown emphasis, or a WebVTT voice tag
	upper   bool   // written in capitals (two or more letters, none lower case)
	restOff int    // byte offset in the line where the spoken text starts
}

const (
	maxNameRunes = 40 // a label's name, without its role
	maxNameWords = 5  // capitalised words; connectors such as "de" are extra
	maxLabelScan = 200
	// Letters in a word of a caseless script in a name: CJK and Thai names
	// are a few characters, written without spaces like the clauses around
	// them, so a long "word" is a clause.
	maxCaselessWord = 12
)

// parseLabel recognises a speaker label at the start of s. It checks the
// label's shape only; whether it really is a speaker (it recurs, or it
// names someone in the metadata) is decided by the caller. Timestamps that
// transcription services put around the label ("00:01:02 Name:", "[00:01:02]
// Name:", "Speaker 1 (00:00):", "Name [00:01:02]:", Otter's "Name  0:03"
// alone on a line) are not speech: they are left out of both the label and
// the text after it.
func parseLabel(s string) (label, bool) {
	var lb label
	indent := len(s) - len(strings.TrimLeft(s, " \t"))
	indent += timestampPrefix(s[indent:])
	t := s[indent:]
	if strings.HasPrefix(t, "<v") {
		return voiceLabel(s, indent)
	}
	var raw string
	wide := false // a fullwidth colon, which CJK text does not follow with a space
	switch {
	case strings.HasPrefix(t, "**") || strings.HasPrefix(t, "__"):
		raw, lb.restOff, wide = emphasised(t, t[:2])
		lb.bold = true
	case strings.HasPrefix(t, "*") || strings.HasPrefix(t, "_"):
		raw, lb.restOff, wide = emphasised(t, t[:1])
		lb.bold = true
	default:
		if name, ok := timedName(t); ok {
			raw, lb.restOff = name, len(t)
			break
		}
		window := t
		if len(window) > maxLabelScan {
			window = window[:maxLabelScan]
		}
		colon, size := labelColon(window)
		if colon < 0 {
			return lb, false
		}
		raw, lb.restOff, wide = t[:colon], colon+size, size > 1
	}
	if lb.restOff <= 0 {
		return lb, false
	}
	lb.restOff += indent
	if r, _ := utf8.DecodeRuneInString(s[lb.restOff:]); lb.restOff < len(s) && !wide && !unicode.IsSpace(r) {
		return lb, false // "http://…", "10:30", "Re:Foo"
	}
	raw = dropTimestamp(strings.TrimSpace(raw))
	name := raw
	if strings.HasSuffix(name, ")") {
		open := strings.LastIndexByte(name, '(')
		if open <= 0 {
			return lb, false
		}
		role := strings.TrimSpace(name[open+1 : len(name)-1])
		if role == "" || utf8.RuneCountInString(role) > maxNameRunes || strings.ContainsAny(role, "()") {
			return lb, false
		}
		name = strings.TrimSpace(name[:open])
	}
	if !plausibleName(name) {
		return lb, false
	}
	lb.name = name
	lb.text = raw
	lb.key = foldKey(name)
	if lb.key == "" || stopLabels[lb.key] {
		return lb, false
	}
	lb.upper = isUpperName(name)
	if !lb.upper && len(strings.Fields(name)) > 1 && stopFirstWords[strings.ToLower(strings.Fields(name)[0])] {
		return lb, false // "The Key Point:", "In Chile:"
	}
	return lb, true
}

// isUpperName reports whether name is written in capitals: two or more
// letters, none lower case.
func isUpperName(name string) bool {
	letters, lower := 0, 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsLower(r) {
				lower++
			}
		}
	}
	return letters >= 2 && lower == 0
}

// voiceLabel reads a WebVTT voice tag, "<v Name>text" or "<v.class
// Name>text", starting at byte off of s. The tag names the speaker
// explicitly, so the name needs no plausibility check; it counts as markup
// (bold) so that a transcript of voice tags has a dominant label style.
func voiceLabel(s string, off int) (label, bool) {
	var lb label
	if !strings.HasPrefix(s[off:], "<v") {
		return lb, false
	}
	t := s[off+2:]
	if i := strings.IndexAny(t, " \t"); i > 0 && t[0] == '.' && !strings.ContainsRune(t[:i], '>') {
		t = t[i:] // the cue's classes
	}
	if t == "" || (t[0] != ' ' && t[0] != '\t') {
		return lb, false
	}
	window := t
	if len(window) > maxLabelScan {
		window = window[:maxLabelScan]
	}
	end := strings.IndexByte(window, '>')
	if end < 0 {
		return lb, false
	}
	name := strings.TrimSpace(t[:end])
	if name == "" || strings.ContainsRune(name, '<') {
		return lb, false
	}
	lb.name, lb.text, lb.key = name, name, foldKey(name)
	if lb.key == "" {
		return lb, false
	}
	lb.bold = true
	lb.upper = isUpperName(name)
	lb.restOff = len(s) - len(t) + end + 1
	return lb, true
}

// labelColon finds the colon that ends a label in s: the first ASCII or
// fullwidth colon outside parentheses and brackets, so that the one in
// "Speaker 1 (00:00):" or "Name [00:01:02]:" is skipped. It returns the
// colon's byte offset and size, or -1.
func labelColon(s string) (int, int) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				return i, 1
			}
		default:
			if depth == 0 && strings.HasPrefix(s[i:], "：") {
				return i, len("：")
			}
		}
	}
	return -1, 0
}

// clockLen returns the length of the clock time at the start of s
// ("0:03", "00:01:02", "00:00:05.500", "00:00:05,500"), or 0. A digit or
// colon right after it means it was something else.
func clockLen(s string) int {
	digits := func(i, min, max int) int {
		j := i
		for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i < min {
			return -1
		}
		return j
	}
	i := digits(0, 1, 3)
	if i < 0 || i >= len(s) || s[i] != ':' {
		return 0
	}
	if i = digits(i+1, 2, 2); i < 0 {
		return 0
	}
	if i < len(s) && s[i] == ':' {
		if i = digits(i+1, 2, 2); i < 0 {
			return 0
		}
	}
	if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && s[i+1] >= '0' && s[i+1] <= '9' {
		i = digits(i+1, 1, 3)
	}
	if i < len(s) && (s[i] == ':' || s[i] >= '0' && s[i] <= '9') {
		return 0
	}
	return i
}

// bracketedClockLen returns the length of a clock time at the start of s,
// bare or in brackets or parentheses ("[00:01:02]", "(00:00)"), or 0.
func bracketedClockLen(s string) int {
	if s == "" || (s[0] != '[' && s[0] != '(') {
		return clockLen(s)
	}
	n := clockLen(s[1:])
	closer := byte(']')
	if s[0] == '(' {
		closer = ')'
	}
	if n == 0 || 1+n >= len(s) || s[1+n] != closer {
		return 0
	}
	return n + 2
}

// timestampPrefix returns the length of a timestamp and the white space
// after it at the start of s ("00:01:02 ", "[00:01:02] "), or 0.
func timestampPrefix(s string) int {
	n := bracketedClockLen(s)
	if n == 0 {
		return 0
	}
	rest := strings.TrimLeft(s[n:], " \t")
	if len(rest) == len(s)-n {
		return 0 // "00:01:02Name"
	}
	return len(s) - len(rest)
}

// dropTimestamp removes a timestamp in brackets or parentheses from the end
// of a label: "Speaker 1 (00:00)" is Speaker 1 at every turn.
func dropTimestamp(raw string) string {
	if !strings.HasSuffix(raw, ")") && !strings.HasSuffix(raw, "]") {
		return raw
	}
	open := strings.LastIndexAny(raw, "([")
	if open <= 0 || bracketedClockLen(raw[open:]) != len(raw)-open {
		return raw
	}
	return strings.TrimSpace(raw[:open])
}

// timedName reads Otter's label line, a name and a timestamp alone on the
// line with two or more spaces (or a tab) between them, "Speaker 1  0:03",
// and returns the name.
func timedName(t string) (string, bool) {
	t = strings.TrimRight(t, " \t")
	sp := strings.LastIndexAny(t, " \t")
	if sp < 0 || clockLen(t[sp+1:]) != len(t)-sp-1 {
		return "", false
	}
	name := strings.TrimRight(t[:sp+1], " \t")
	if strings.ContainsAny(name, ":：") {
		return "", false // "Ana: we met at  5:00" is Ana's label and text
	}
	if gap := t[len(name) : sp+1]; name == "" || (len(gap) < 2 && gap != "\t") {
		return "", false
	}
	return name, true
}

// emphasised reads "**Name:** rest" or "**Name**: rest" (marker m) and
// returns the name with its colon removed, where the rest starts (0 when t
// is not such a label) and whether the colon was the fullwidth one.
func emphasised(t, m string) (string, int, bool) {
	inner := t[len(m):]
	window := inner
	if len(window) > maxLabelScan {
		window = window[:maxLabelScan]
	}
	end := strings.Index(window, m)
	if end <= 0 {
		return "", 0, false
	}
	content := strings.TrimRight(inner[:end], " \t")
	after := len(m) + end + len(m)
	for _, colon := range []string{":", "："} {
		wide := colon != ":"
		switch {
		case strings.HasSuffix(content, colon):
			return content[:len(content)-len(colon)], after, wide
		case strings.HasPrefix(t[after:], colon):
			return content, after + len(colon), wide
		}
	}
	return "", 0, false
}

// plausibleName reports whether s looks like a person's name or a role:
// up to five capitalised words ("Joaquín Sáez", "CHIEF JUSTICE ROBERTS",
// "MR. SMITH", "Q", "Speaker 2"), with lower-case connectors inside
// ("María de la Fuente"). Words in scripts without letter case (Arabic,
// Hebrew, CJK, Thai, Devanagari) count as capitalised: they cannot show it.
func plausibleName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxNameRunes {
		return false
	}
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > maxNameWords+3 {
		return false
	}
	content := 0
	for i, w := range words {
		w = strings.TrimRight(w, ",")
		if w == "" {
			return false
		}
		r, _ := utf8.DecodeRuneInString(w)
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			content++
		case caseless(r):
			if letterCount(w) > maxCaselessWord {
				return false // a clause of a script written without spaces
			}
			content++
		case unicode.IsDigit(r) && i > 0 && i == len(words)-1 && w == words[i]: // "Speaker 2"
			content++
		case i > 0 && i < len(words)-1 && nameConnectors[w]:
		default:
			return false
		}
		for _, r := range w {
			if !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || strings.ContainsRune(".'’-·・", r)) {
				return false
			}
		}
	}
	return content <= maxNameWords
}

// letterCount counts the letters of w, not the vowel signs and other marks
// that Indic scripts attach to them.
func letterCount(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// caseless reports whether r is a letter of a script without letter case.
// Latin "other letters" (ª, º) are excluded: Latin names show their case.
func caseless(r rune) bool {
	return unicode.Is(unicode.Lo, r) && !unicode.Is(unicode.Latin, r)
}

var nameConnectors = setOf("de del la las los da das do dos di du van von der den ten ter y e bin ibn al el le")

// stopFirstWords start sentences and headings, not names ("The Key Point:").
// Upper-case labels are exempt: court transcripts have "THE COURT:".
var stopFirstWords = setOf("the a an in on at for and but or so this that these those it its if when what why how where who my our your his her their we there here as by from to with of el la los las un una en por para con pero si cuando este esta mi nuestro")

// stopLabels are capitalised words that are followed by a colon in prose
// and are never speakers ("Note: …", "First: …").
var stopLabels = setOf("note notes nota notas nb ps example examples ejemplo update edit edited warning caution summary resumen source sources fuente fuentes tip important importante disclaimer transcript transcripcion appearances contents index first second third fourth fifth finally next then conclusion background context abstract introduction keywords tags date fecha time location title subject re fwd from to cc http https mailto email phone tel web website url link links photo image credit credits see result results definition")

// Generic role labels. Single letters are accepted only when another role
// label is present (Q with A, P with R).
var (
	askerRoles    = setOf("q p question pregunta interviewer entrevistador entrevistadora host moderator moderador moderadora")
	answererRoles = setOf("a r answer respuesta interviewee entrevistado entrevistada respondent guest invitado invitada")
)

func isRole(key string) bool { return askerRoles[key] || answererRoles[key] }

// honorifics may precede a surname in a label ("MR. SMITH", "JUSTICE SCALIA").
var honorifics = setOf("mr mrs ms miss mx dr prof professor sr sra srta don dona justice chief general judge senator sen rep gov president minister ambassador sir dame lord lady rev father fr")

// roleMark reads a deposition's or oral history's role mark at the start
// of s: "Q." or "A." and white space, or "Q" or "A" and two or more spaces
// or a tab, as court reporters write them, with text after it. The shape
// alone proves nothing ("A. Smith said"): segment takes the marks only
// when both kinds recur.
func roleMark(s string) (label, bool) {
	indent := len(s) - len(strings.TrimLeft(s, " \t"))
	t := s[indent:]
	if len(t) < 3 || (t[0] != 'Q' && t[0] != 'A') {
		return label{}, false
	}
	var n int // the mark's length, without the space after it
	switch {
	case t[1] == '.' && (t[2] == ' ' || t[2] == '\t'):
		n = 2
	case t[1] == '\t' || strings.HasPrefix(t[1:], "  "):
		n = 1
	default:
		return label{}, false
	}
	if isBlank(t[n:]) {
		return label{}, false
	}
	name := t[:1]
	return label{name: name, text: name, key: foldKey(name), restOff: indent + n}, true
}

// capsName reads a line that is only a speaker's name in capitals, as print
// magazines set it above the speaker's words ("INTERVIEWER", "MORRISON"):
// a plausible name (at most maxNameWords words) with no sentence
// punctuation. Its restOff is the end of the line: the words follow on the
// next lines. The shape alone proves nothing (a heading looks the same):
// segment takes these lines only when names recur.
func capsName(s string) (label, bool) {
	if len(s) > maxLabelScan {
		return label{}, false // cheap for long lines of text: a name is short
	}
	name := strings.TrimSpace(s)
	if strings.ContainsAny(name, ",;:：?!¿¡…\"“”") || strings.HasSuffix(name, ".") ||
		!isUpperName(name) || !plausibleName(name) {
		return label{}, false
	}
	key := foldKey(name)
	if key == "" || stopLabels[key] {
		return label{}, false
	}
	return label{name: name, text: name, key: key, upper: true, restOff: len(s)}, true
}
