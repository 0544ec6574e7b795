package parse

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/document"
)

// Turn is one speaker's turn in a transcript.
type Turn struct {
	Speaker string // the label as written, without markup or colon: "Joaquín Sáez", "MR. LONG", "Ana (Host)"
	Text    string // the turn's paragraphs joined by blank lines
	Line    int    // line of the original file where the label is
}

// Turns returns the speaker turns of a transcript, in order, after the
// checks Parse makes on any input and, for pdftotext court transcripts,
// after removing margin line numbers, page headers and footers and joining
// hard-wrapped lines with single spaces. Text before the first turn is not
// a turn. It returns an *Error for unreadable input or when no turns are
// found.
func Turns(data []byte) ([]Turn, error) {
	lines, err := prepare(data)
	if err != nil {
		return nil, err
	}
	fm, body, err := splitFrontMatter(lines)
	if err != nil {
		return nil, err
	}
	seg := segment(buildLayout(body), fm.meta)
	if len(seg.turns) == 0 {
		return nil, errorf(0, noTurnsMsg)
	}
	out := make([]Turn, len(seg.turns))
	for i, t := range seg.turns {
		out[i] = Turn{Speaker: t.label.text, Text: strings.Join(t.paras, "\n\n"), Line: t.line}
	}
	return out, nil
}

// turn is a Turn with what the section builder needs.
type turn struct {
	label label
	line  int
	mid   bool     // the label is not on its paragraph's first line
	paras []string // spoken text, verbatim
	raw   []string // the same paragraphs with the label left in, for the introduction
}

// segmentation is a transcript cut into its introduction and turns.
type segmentation struct {
	intro []string
	turns []*turn
	title string
}

// speakerCount is the number of distinct speakers.
func (s segmentation) speakerCount() int {
	seen := map[string]bool{}
	for _, t := range s.turns {
		seen[t.label.key] = true
	}
	return len(seen)
}

// candidate is a line that has the shape of a speaker label.
type candidate struct {
	p, l  int // paragraph and line index
	label label
}

// segment finds the speaker labels in the layout and cuts it into turns.
//
// A line shaped like a label (see parseLabel) is taken as one when its
// speaker recurs in the document, names the interviewer or interviewee of
// the metadata, or is a role label ("Q", "Interviewer"). When most labels
// share a style — bold, or capitals — a lone label in that style also
// counts, and a recurring one never in that style does not: "Note:" inside a
// transcript of "**Name:**" turns is text.
//
// In a deposition or oral history, whose turns start "Q." and "A." with no
// names, those marks are the labels when both kinds recur and they start
// more lines than other labels do, or when other labels make no transcript
// (see roleMark): "A. Smith said so." inside a transcript of named turns
// stays text.
// In a print interview, whose speakers' names in capitals stand alone on a
// line, those lines are the labels when nothing else makes a transcript
// (see recurringCapsNames).
func segment(lay layout, meta document.Metadata) segmentation {
	var cands, marked []candidate // marked: cands, with each line's role mark first
	marks := map[string]int{}
	others := 0 // labels on lines without a mark
	eachLabelLine(lay, func(pi, li int, text string) {
		lb, ok := parseLabel(text)
		if ok {
			cands = append(cands, candidate{pi, li, lb})
		}
		if m, isMark := roleMark(text); isMark {
			marks[m.key]++
			lb, ok = m, true // "A. Yes: I did" is A's answer, not "A. Yes" speaking
		} else if ok {
			others++
		}
		if ok {
			marked = append(marked, candidate{pi, li, lb})
		}
	})
	seg := segmentLabels(lay, meta, cands)
	if marks["q"] >= minRoleMarks && marks["a"] >= minRoleMarks &&
		(marks["q"]+marks["a"] > others || seg.speakerCount() < 2) {
		if alt := segmentLabels(lay, meta, marked); alt.speakerCount() >= 2 {
			seg = alt
		}
	}
	if seg.speakerCount() < 2 {
		if caps := recurringCapsNames(lay); caps != nil {
			if alt := segmentLabels(lay, meta, caps); alt.speakerCount() >= 2 {
				return alt
			}
		}
	}
	return seg
}

// recurringCapsNames returns the lines that are only a name in capitals
// (see capsName) whose name starts two or more lines, when two or more
// names do: a print interview's speakers. They are tried only when no
// other labels make a transcript, so that a heading or caption in capitals
// never splits a transcript of "Name:" turns; a name seen once is a
// heading, not a speaker.
func recurringCapsNames(lay layout) []candidate {
	var all []candidate
	count := map[string]int{}
	eachLabelLine(lay, func(pi, li int, text string) {
		if lb, ok := capsName(text); ok {
			all = append(all, candidate{pi, li, lb})
			count[lb.key]++
		}
	})
	var out []candidate
	names := map[string]bool{}
	for _, c := range all {
		if count[c.label.key] >= 2 {
			out = append(out, c)
			names[c.label.key] = true
		}
	}
	if len(names) < 2 {
		return nil
	}
	return out
}

// eachLabelLine calls fn with each line where a label may start: every
// line, or in court transcripts the first line of each paragraph, as a
// label there always starts an indented paragraph.
func eachLabelLine(lay layout, fn func(pi, li int, text string)) {
	for pi, p := range lay.paras {
		for li, l := range p.lines {
			if lay.pdf && li > 0 {
				break
			}
			fn(pi, li, l.text)
		}
	}
}

// minRoleMarks is how many lines "Q." and "A." must each start before they
// are taken as labels.
const minRoleMarks = 2

// segmentLabels decides which candidates are labels (see segment) and cuts
// the layout at them.
func segmentLabels(lay layout, meta document.Metadata, cands []candidate) segmentation {
	count := map[string]int{}
	for _, c := range cands {
		count[c.label.key]++
	}
	metaNames := append(splitNames(meta.Interviewer), splitNames(meta.Interviewee)...)
	roleKeys := 0
	for k := range count {
		if isRole(k) {
			roleKeys++
		}
	}
	vouched := func(key string) bool { // speakers the metadata or a role vouches for
		if isRole(key) {
			return len(key) > 1 || roleKeys >= 2 // a lone "A:" may be "Plan A:"-like prose
		}
		for _, n := range metaNames {
			if matchName(key, n) {
				return true
			}
		}
		return false
	}
	type style struct{ bold, upper bool }
	styleOf := func(lb label) (style, bool) {
		if utf8.RuneCountInString(lb.key) < 2 {
			return style{}, false // "Q", "A": no style of their own
		}
		return style{lb.bold, lb.upper}, true
	}
	byStyle := map[style]int{}
	total := 0
	for _, c := range cands {
		if count[c.label.key] >= 2 || vouched(c.label.key) {
			if s, ok := styleOf(c.label); ok {
				byStyle[s]++
				total++
			}
		}
	}
	var dominant style
	strong := false
	for s, n := range byStyle {
		if total >= 4 && 4*n >= 3*total {
			dominant, strong = s, true
		}
	}
	// A recurring speaker whose labels are never in the dominant style is
	// prose; variants of one speaker's label ("SASCHA HANNIG" once among
	// "Sascha Hannig") stand or fall together.
	inStyle := map[string]bool{}
	for _, c := range cands {
		if s, styled := styleOf(c.label); !strong || !styled || s == dominant {
			inStyle[c.label.key] = true
		}
	}
	accepted := make([]bool, len(cands))
	for i, c := range cands {
		s, styled := styleOf(c.label)
		switch {
		case vouched(c.label.key):
			accepted[i] = true
		case count[c.label.key] >= 2:
			accepted[i] = inStyle[c.label.key]
		default:
			accepted[i] = strong && styled && s == dominant && (s.bold || s.upper) && c.l == 0
		}
	}
	seg := cut(lay, cands, accepted)
	if rejectEmbedded(seg.turns, cands, accepted, meta, vouched) {
		seg = cut(lay, cands, accepted)
	}
	return seg
}

// cut splits the layout at the accepted candidates into the introduction
// and the turns. A rejected candidate's line stays in the text as written.
func cut(lay layout, cands []candidate, accepted []bool) segmentation {
	seg := segmentation{title: lay.title}
	var cur *turn
	add := func(text, raw string) {
		if text == "" && raw == "" {
			return
		}
		if cur == nil {
			if raw != "" {
				seg.intro = append(seg.intro, raw)
			}
			return
		}
		if text != "" {
			cur.paras = append(cur.paras, text)
			cur.raw = append(cur.raw, raw)
		}
	}
	next := 0 // next candidate to consider
	for pi, p := range lay.paras {
		start, off := 0, 0 // current piece: lines from start, first line from byte off
		for li := range p.lines {
			for next < len(cands) && (cands[next].p < pi || (cands[next].p == pi && cands[next].l < li)) {
				next++
			}
			if next >= len(cands) || cands[next].p != pi || cands[next].l != li || !accepted[next] {
				continue
			}
			if li > start {
				piece := para{lines: p.lines[start:li], sep: p.sep}
				add(piece.joinFrom(0, off), piece.joinFrom(0, 0))
			}
			if cur != nil {
				seg.turns = append(seg.turns, cur)
			}
			cur = &turn{label: cands[next].label, line: p.lines[li].num, mid: li > 0}
			start, off = li, cands[next].label.restOff
		}
		// off is 0 unless the piece starts with a label.
		piece := para{lines: p.lines[start:], sep: p.sep}
		add(piece.joinFrom(0, off), piece.joinFrom(0, 0))
	}
	if cur != nil {
		seg.turns = append(seg.turns, cur)
	}
	return seg
}

// rejectEmbedded refuses, as text, the labels of a speaker who never
// answers a question and whose lines read as part of someone else's turn.
// "Chile: mostly lithium…" and "Brazil: mostly power grids." recurring
// inside Luis's answers look like speakers; taken as such, "Chile:" would
// be cut from his words and the rest credited to "Chile". A key is refused
// when none of its turns opens the transcript or follows an asker's turn,
// none holds a question mark, nothing vouches for it, and its turns read as
// continuations: its labels never start a paragraph where the other
// speakers' do, or its turns always go on in lower case where the others'
// do not. A panellist who always speaks second keeps the label: their
// turns start paragraphs and sentences. It reports whether it refused any.
func rejectEmbedded(turns []*turn, cands []candidate, accepted []bool, meta document.Metadata, vouched func(string) bool) bool {
	stats := tally(turns)
	// How the other speakers' turns are written: over the keys that do not
	// all share the trait, turns mostly start a paragraph, and mostly start
	// in upper case.
	var starts, startsOf, uppers, uppersOf int
	for _, s := range stats {
		if s.mid < s.turns {
			starts += s.turns - s.mid
			startsOf += s.turns
		}
		if s.lower < s.turns {
			uppers += s.turns - s.lower
			uppersOf += s.turns
		}
	}
	paraTurns := startsOf > 0 && 2*starts >= startsOf
	capitalTurns := uppersOf > 0 && 2*uppers > uppersOf
	suspect := map[string]bool{}
	for k, s := range stats {
		if s.questions == 0 && !vouched(k) &&
			((paraTurns && s.mid == s.turns) || (capitalTurns && s.lower == s.turns)) {
			suspect[k] = true
		}
	}
	if len(suspect) == 0 {
		return false
	}
	// Suspects are left out of the askers: when the metadata names only the
	// interviewee, everyone else, "Chile" included, counts as asking.
	ask := askers(turns, meta)
	answersFirst := map[string]bool{}
	for i, t := range turns {
		if i == 0 || (ask[turns[i-1].label.key] && !suspect[turns[i-1].label.key]) {
			answersFirst[t.label.key] = true
		}
	}
	refused := false
	for i, c := range cands {
		if accepted[i] && suspect[c.label.key] && !answersFirst[c.label.key] {
			accepted[i] = false
			refused = true
		}
	}
	return refused
}

// speakerStats is how a speaker's turns read.
type speakerStats struct {
	turns     int
	mid       int // turns whose label is not on its paragraph's first line
	lower     int // turns that start in lower case
	questions int // turns with a question mark
	runes     int // of all their text
}

// tally counts, by speaker key, how their turns read.
func tally(turns []*turn) map[string]*speakerStats {
	stats := map[string]*speakerStats{}
	for _, t := range turns {
		s := stats[t.label.key]
		if s == nil {
			s = &speakerStats{}
			stats[t.label.key] = s
		}
		s.turns++
		if t.mid {
			s.mid++
		}
		if len(t.paras) > 0 && startsLower(t.paras[0]) {
			s.lower++
		}
		if slices.ContainsFunc(t.paras, func(p string) bool { return strings.ContainsAny(p, "?¿") }) {
			s.questions++
		}
		for _, p := range t.paras {
			s.runes += utf8.RuneCountInString(p)
		}
		s.runes += max(len(t.paras)-1, 0) // the line breaks between them
	}
	return stats
}

// startsLower reports whether the first letter of s is lower case.
func startsLower(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return unicode.IsLower(r)
		}
	}
	return false
}

// splitNames splits a metadata value naming several people ("Ana Pérez,
// Luis Gómez and Eva Ruiz") into name keys.
func splitNames(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '&' || r == '/' }) {
		for _, name := range strings.Split(" "+part+" ", " and ") {
			for _, n := range strings.Split(name, " y ") {
				if k := foldKey(n); k != "" {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// matchName reports whether the label key names the person whose name key
// is name: the full name, the surname alone, the first name alone, or the
// surname after honorifics ("MR. SMITH", "JUSTICE SCALIA"). Titles before
// a name ("Prof. Ana Ruiz", "DR. JANE") are ignored, so that "Ana:" is the
// front matter's "Prof. Ana Ruiz"; the name as written is tried first, as
// "Don" may be a first name.
func matchName(key, name string) bool {
	if matchNameAsWritten(key, name) {
		return true
	}
	k, n := stripNameTitles(key), stripNameTitles(name)
	return (k != key || n != name) && matchNameAsWritten(k, n)
}

// nameTitles are titles before a name that honorifics (for labels) lacks.
var nameTitles = setOf("dra profa lic licda ing arq doctor doctora profesor profesora senor senora senorita")

// stripNameTitles drops the titles that open a name key ("prof ana ruiz"
// becomes "ana ruiz"), keeping at least one word.
func stripNameTitles(key string) string {
	for {
		w, rest, ok := strings.Cut(key, " ")
		if !ok || !(honorifics[w] || nameTitles[w]) {
			return key
		}
		key = rest
	}
}

func matchNameAsWritten(key, name string) bool {
	if key == name {
		return true
	}
	kw, nw := strings.Fields(key), strings.Fields(name)
	if len(kw) == 0 || len(nw) == 0 {
		return false
	}
	if len(kw) == 1 && len(nw) > 1 && (kw[0] == nw[len(nw)-1] || kw[0] == nw[0]) {
		return true
	}
	if kw[len(kw)-1] != nw[len(nw)-1] {
		return false
	}
	for _, w := range kw[:len(kw)-1] {
		if !honorifics[w] {
			return false
		}
	}
	return true
}

// askers decides which speakers ask the questions, in this order of
// evidence: the metadata's interviewer (or, failing that, everyone but the
// interviewee); role labels ("Q", "Interviewer"); in court transcripts the
// justices; and otherwise the speakers whose turns mostly contain a
// question mark (or, when none or all do, the one whose turns are shortest
// or longest).
func askers(turns []*turn, meta document.Metadata) map[string]bool {
	var keys []string
	seen := map[string]bool{}
	for _, t := range turns {
		if !seen[t.label.key] {
			seen[t.label.key] = true
			keys = append(keys, t.label.key)
		}
	}
	pick := func(pred func(string) bool) map[string]bool {
		out := map[string]bool{}
		for _, k := range keys {
			if pred(k) {
				out[k] = true
			}
		}
		if len(out) == 0 || len(out) == len(keys) {
			return nil
		}
		return out
	}
	matchesAny := func(names []string) func(string) bool {
		return func(k string) bool {
			for _, n := range names {
				if matchName(k, n) {
					return true
				}
			}
			return false
		}
	}
	if names := splitNames(meta.Interviewer); len(names) > 0 {
		if a := pick(matchesAny(names)); a != nil {
			return a
		}
	}
	if names := splitNames(meta.Interviewee); len(names) > 0 {
		m := matchesAny(names)
		if a := pick(func(k string) bool { return !m(k) }); a != nil {
			return a
		}
	}
	if a := pick(func(k string) bool { return askerRoles[k] }); a != nil {
		return a
	}
	if answererRolesPresent(keys) {
		if a := pick(func(k string) bool { return !answererRoles[k] }); a != nil {
			return a
		}
	}
	if a := pick(func(k string) bool { return strings.Contains(" "+k+" ", " justice ") }); a != nil {
		return a
	}

	stats := tally(turns)
	share := func(k string) float64 { return float64(stats[k].questions) / float64(stats[k].turns) }
	avg := func(k string) float64 { return float64(stats[k].runes) / float64(stats[k].turns) }
	if a := pick(func(k string) bool { return share(k) >= 0.5 }); a != nil {
		return a
	}
	if len(keys) < 2 {
		return map[string]bool{}
	}
	// Nobody or everybody mostly asks: the most questioning (then shortest)
	// speaker asks when nobody does; the longest-winded answers when all do.
	anyAsks := false
	for _, k := range keys {
		anyAsks = anyAsks || share(k) >= 0.5
	}
	if !anyAsks {
		best := keys[0]
		for _, k := range keys[1:] {
			if share(k) > share(best) || (share(k) == share(best) && avg(k) < avg(best)) {
				best = k
			}
		}
		return map[string]bool{best: true}
	}
	longest := keys[0]
	for _, k := range keys[1:] {
		if avg(k) > avg(longest) {
			longest = k
		}
	}
	return pick(func(k string) bool { return k != longest })
}

func answererRolesPresent(keys []string) bool {
	for _, k := range keys {
		if answererRoles[k] {
			return true
		}
	}
	return false
}

// parseTranscript builds sections from the turns: consecutive turns of
// askers form the question (their paragraphs joined by blank lines), and
// the turns up to the next question form its answer. Each section has one
// answerer: when another speaker takes up the same question, their answer
// is a section of its own with the same question and asker, so that every
// quote is credited to whoever said it. A short remark of an asker inside
// an answer ("Right.", "Mm-hmm.") is not a question (see interjection). A
// question nobody answers (at the end of the transcript) is dropped;
// answers before the first question join the introduction, labels included.
func parseTranscript(body []line, meta document.Metadata) (result, error) {
	seg := segment(buildLayout(body), meta)
	if len(seg.turns) == 0 {
		return result{}, errorf(0, noTurnsMsg)
	}
	ask := askers(seg.turns, meta)
	if len(ask) == 0 {
		return result{}, errorf(0, "found only one speaker (%s): cannot tell questions from answers; a transcript needs turns of an interviewer and of an interviewee", seg.turns[0].label.name)
	}
	var turns []*turn
	for _, t := range seg.turns {
		if len(t.paras) > 0 {
			turns = append(turns, t)
		}
	}
	res := result{intro: seg.intro, title: seg.title}
	var cur *document.Section
	var question []string
	answerKey := "" // key of cur's answerer
	push := func() {
		if cur != nil && len(cur.Paragraphs) > 0 {
			cur.Question = strings.Join(question, "\n\n")
			res.sections = append(res.sections, *cur)
		}
		cur = nil
	}
	var askerNames, answererNames []string
	noted := map[string]bool{}
	note := func(list *[]string, lb label) {
		if !isRole(lb.key) && !noted[lb.key] {
			noted[lb.key] = true
			*list = append(*list, lb.name)
		}
	}
	for i := 0; i < len(turns); i++ {
		t := turns[i]
		if ask[t.label.key] {
			note(&askerNames, t.label)
			if cur != nil && len(cur.Paragraphs) > 0 {
				if end := interjection(turns, i, ask, answerKey); end > i {
					i = end - 1
					continue
				}
				push()
			}
			if cur == nil {
				cur = &document.Section{Asker: t.label.text}
				question = question[:0]
			}
			question = append(question, t.paras...)
			continue
		}
		note(&answererNames, t.label)
		if cur == nil {
			res.intro = append(res.intro, t.raw...)
			continue
		}
		if len(cur.Paragraphs) > 0 && t.label.key != answerKey {
			asker := cur.Asker
			push()
			cur = &document.Section{Asker: asker}
		}
		if len(cur.Paragraphs) == 0 {
			cur.Answerer, answerKey = t.label.text, t.label.key
		}
		cur.Paragraphs = append(cur.Paragraphs, t.paras...)
	}
	push()
	if len(res.sections) == 0 {
		return result{}, errorf(0, "no answered questions found: the turns of %d speakers could not be paired into questions and answers", seg.speakerCount())
	}
	res.meta.Interviewer = strings.Join(askerNames, ", ")
	res.meta.Interviewee = strings.Join(answererNames, ", ")
	return res, nil
}

// maxInterjectionWords is the length of the longest backchannel: "Yes. Yes.",
// "I see.", "Go on, please."
const maxInterjectionWords = 4

// interjection reports where a backchannel that starts at turns[i] ends: a
// run of askers' turns, each of at most maxInterjectionWords words, all of
// them backchannel words and no question mark ("Right.", "Mm-hmm.", "Sí,
// claro."), between two turns of the answerer whose key is answerKey. The
// answer goes on after it. Words are checked, not only length, because
// short prompts and closings are questions of their own: "And the reason."
// is answered by what follows, and "Thank you, Captain." by "My pleasure.",
// which is no part of the answer before. The backchannel is not the
// answerer's speech, so it is left out of the answer; the paragraphs on
// either side stay separate paragraphs. It returns the index of the turn
// after the run, or i when turns[i] does not start a backchannel.
func interjection(turns []*turn, i int, ask map[string]bool, answerKey string) int {
	j := i
	for ; j < len(turns) && ask[turns[j].label.key]; j++ {
		words := 0
		for _, p := range turns[j].paras {
			words += len(strings.Fields(p))
			if words > maxInterjectionWords || strings.ContainsAny(p, "?¿") {
				return i
			}
			for _, w := range strings.Fields(foldKey(p)) {
				if !backchannelWord(w) {
					return i
				}
			}
		}
	}
	if j == i || j == len(turns) || turns[j].label.key != answerKey {
		return i
	}
	return j
}

// backchannelWord reports whether w (a foldKey word) is one a listener
// says to show they follow: "yes", "right", "see", "claro", or a murmur
// spelt with m, h, u and a ("mm", "hmm", "mhm", "uh", "aha").
func backchannelWord(w string) bool {
	if backchannelWords[w] {
		return true
	}
	if len(w) < 2 {
		return false
	}
	for _, r := range w {
		if !strings.ContainsRune("mhua", r) {
			return false
		}
	}
	return true
}

var backchannelWords = setOf("yes yeah yep yup right ok okay alright all sure exactly indeed true correct absolutely certainly fine good great wow oh i see go on ahead please really interesting understood got it of course " +
	"si claro vale ya bueno exacto exactamente cierto correcto perfecto entiendo okey de acuerdo adelante por favor siga bien muy eso es")
