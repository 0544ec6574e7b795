package parse

import (
	"regexp"
	"strings"
)

// Subtitle files (WebVTT, SubRip) cut speech into timed cues of a line or
// two. Zoom writes "Name: text" in each cue, Microsoft Teams "<v Name>text</v>".
// Cue numbers, timings and styling are not speech; a speaker's consecutive
// cues are one stretch of speech, often with a sentence split between cues.

// isSubtitles reports whether the body is a subtitle file: it opens with the
// "WEBVTT" header, with a cue timing line, or with a cue number followed by
// a timing line (SubRip).
func isSubtitles(body []line) bool {
	for i, l := range body {
		s := strings.TrimSpace(l.text)
		if s == "" {
			continue
		}
		if isBlockKeyword(s, "WEBVTT") || isTiming(s) {
			return true
		}
		return allDigits(s) && i+1 < len(body) && isTiming(body[i+1].text)
	}
	return false
}

// isTiming recognises a cue timing line, "00:00:05.500 --> 00:00:09.000"
// (SubRip writes "00:00:05,500"), possibly followed by cue settings.
func isTiming(s string) bool {
	s = strings.TrimSpace(s)
	n := clockLen(s)
	if n == 0 {
		return false
	}
	rest := strings.TrimLeft(s[n:], " \t")
	if !strings.HasPrefix(rest, "-->") {
		return false
	}
	rest = strings.TrimLeft(rest[len("-->"):], " \t")
	return clockLen(rest) > 0
}

// isBlockKeyword reports whether s is keyword alone or followed by white
// space: "NOTE", "NOTE this is a comment", but not "NOTED".
func isBlockKeyword(s, keyword string) bool {
	rest, ok := strings.CutPrefix(s, keyword)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// subtitleLayout reads the cues of a subtitle file. The header, NOTE, STYLE
// and REGION blocks, cue identifiers and timing lines are dropped, and
// markup is removed from the cue text except a leading voice tag, which
// parseLabel reads as the label. A cue whose label names the speaker of the
// cue before it continues that speaker's paragraph, its label dropped; a cue
// without a label continues the paragraph too. The paragraph's lines join
// with single spaces. Each line keeps its number in the original file.
//
// Labels can then only start paragraphs, as in a pdftotext layout: the
// lines after the first are speech already assigned to a speaker.
func subtitleLayout(body []line) layout {
	lay := layout{pdf: true}
	var cur []line
	curKey := ""
	flush := func() {
		if len(cur) > 0 {
			lay.paras = append(lay.paras, para{lines: cur, sep: " "})
			cur = nil
		}
	}
	first := true
	for len(body) > 0 {
		for len(body) > 0 && isBlank(body[0].text) {
			body = body[1:]
		}
		n := 0
		for n < len(body) && !isBlank(body[n].text) {
			n++
		}
		block := body[:n]
		body = body[n:]
		if len(block) == 0 {
			break
		}
		head := strings.TrimSpace(block[0].text)
		if first && isBlockKeyword(head, "WEBVTT") {
			// The header and its metadata lines ("Kind: captions"), up to
			// the first cue should it follow without a blank line.
			block = block[1:]
			for len(block) > 0 && !isTiming(block[0].text) && (len(block) < 2 || !isTiming(block[1].text)) {
				block = block[1:]
			}
		}
		first = false
		if isBlockKeyword(head, "NOTE") || isBlockKeyword(head, "STYLE") || isBlockKeyword(head, "REGION") {
			continue
		}
		for j, l := range block {
			s := strings.TrimSpace(l.text)
			if isTiming(s) {
				continue
			}
			if j+1 < len(block) && isTiming(block[j+1].text) && (j == 0 || allDigits(s)) {
				continue // the cue's identifier or number
			}
			for _, piece := range splitVoices(s) {
				text := cueText(piece)
				if text == "" {
					continue
				}
				if lb, ok := parseLabel(text); ok {
					if lb.key == curKey && len(cur) > 0 {
						// The speaker's name again, at every cue: not speech.
						if text = strings.TrimSpace(text[lb.restOff:]); text == "" {
							continue
						}
					} else {
						flush()
						curKey = lb.key
					}
				}
				cur = append(cur, line{text: text, num: l.num})
			}
		}
	}
	flush()
	return lay
}

// splitVoices splits a cue line at each voice tag after the first, as when
// one line holds two speakers: "<v A>Yes.</v> <v B>No.</v>".
func splitVoices(s string) []string {
	var out []string
	for {
		i := nextVoiceTag(s)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}

// nextVoiceTag returns the offset of the first voice tag after the start of
// s, or -1.
func nextVoiceTag(s string) int {
	for from := 1; from < len(s); {
		i := strings.Index(s[from:], "<v")
		if i < 0 {
			return -1
		}
		i += from
		if j := i + 2; j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '.') {
			return i
		}
		from = i + 2
	}
	return -1
}

// cueTag matches the markup of cue text that is not speech: WebVTT class,
// italic, bold, underline, ruby, language and voice tags, SubRip's font
// tags, and the timestamps of karaoke-style cues ("<00:00:01.000>").
var cueTag = regexp.MustCompile(`<(?:/?(?:c|i|b|u|v|ruby|rt|lang|font)(?:[ .\t][^<>]*)?|\d[\d:.]*)>`)

// cueEntities are the character references WebVTT defines.
var cueEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&nbsp;", "\u00a0", "&lrm;", "\u200e", "&rlm;", "\u200f")

// cueText removes the markup from one line of cue text, keeping a voice tag
// that opens it for parseLabel, and decodes character references.
func cueText(s string) string {
	voice := ""
	if lb, ok := voiceLabel(s, 0); ok {
		voice, s = s[:lb.restOff], s[lb.restOff:]
	}
	s = strings.TrimSpace(cueEntities.Replace(cueTag.ReplaceAllString(s, "")))
	if s == "" {
		return voice // a voice tag alone on its line still changes the speaker
	}
	return voice + s
}
