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
	bold    bool   // wrapped in Markdown emphasis
	upper   bool   // written in capitals (two or more letters, none lower case)
	restOff int    // byte offset in the line where the spoken text starts
}

const (
	maxNameRunes = 40 // a label's name, without its role
	maxNameWords = 5  // capitalised words; connectors such as "de" are extra
	maxLabelScan = 200
)

// parseLabel recognises a speaker label at the start of s. It checks the
// label's shape only; whether it really is a speaker (it recurs, or it
// names someone in the metadata) is decided by the caller.
func parseLabel(s string) (label, bool) {
	var lb label
	indent := len(s) - len(strings.TrimLeft(s, " \t"))
	t := s[indent:]
	var raw string
	switch {
	case strings.HasPrefix(t, "**") || strings.HasPrefix(t, "__"):
		raw, lb.restOff = emphasised(t, t[:2])
		lb.bold = true
	case strings.HasPrefix(t, "*") || strings.HasPrefix(t, "_"):
		raw, lb.restOff = emphasised(t, t[:1])
		lb.bold = true
	default:
		window := t
		if len(window) > maxLabelScan {
			window = window[:maxLabelScan]
		}
		colon := strings.IndexByte(window, ':')
		if colon < 0 {
			return lb, false
		}
		raw, lb.restOff = t[:colon], colon+1
	}
	if lb.restOff <= 0 {
		return lb, false
	}
	lb.restOff += indent
	if rest := s[lb.restOff:]; rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return lb, false // "http://…", "10:30", "Re:Foo"
	}
	raw = strings.TrimSpace(raw)
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
	letters, lower := 0, 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsLower(r) {
				lower++
			}
		}
	}
	lb.upper = letters >= 2 && lower == 0
	if !lb.upper && len(strings.Fields(name)) > 1 && stopFirstWords[strings.ToLower(strings.Fields(name)[0])] {
		return lb, false // "The Key Point:", "In Chile:"
	}
	return lb, true
}

// emphasised reads "**Name:** rest" or "**Name**: rest" (marker m) and
// returns the name with its colon removed and where the rest starts, or
// restOff 0 when t is not such a label.
func emphasised(t, m string) (string, int) {
	inner := t[len(m):]
	window := inner
	if len(window) > maxLabelScan {
		window = window[:maxLabelScan]
	}
	end := strings.Index(window, m)
	if end <= 0 {
		return "", 0
	}
	content := strings.TrimRight(inner[:end], " \t")
	after := len(m) + end + len(m)
	switch {
	case strings.HasSuffix(content, ":"):
		return content[:len(content)-1], after
	case strings.HasPrefix(t[after:], ":"):
		return content, after + 1
	}
	return "", 0
}

// plausibleName reports whether s looks like a person's name or a role:
// up to five capitalised words ("Joaquín Sáez", "CHIEF JUSTICE ROBERTS",
// "MR. SMITH", "Q", "Speaker 2"), with lower-case connectors inside
// ("María de la Fuente").
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
		case unicode.IsDigit(r) && i > 0 && i == len(words)-1 && w == words[i]: // "Speaker 2"
			content++
		case i > 0 && i < len(words)-1 && nameConnectors[w]:
		default:
			return false
		}
		for _, r := range w {
			if !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || strings.ContainsRune(".'’-", r)) {
				return false
			}
		}
	}
	return content <= maxNameWords
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
