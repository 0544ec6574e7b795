package parse

import (
	"path"
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
)

// detect picks the format of a body whose front matter and options do not
// name one: the file extension first (a .md file with speaker turns is a
// transcript), then the content — a leading "{" or "[" is a FAQ in JSON
// Lines or a JSON array, a question/answer header row
// is CSV, speaker turns are a transcript (subtitle files included),
// headings with paragraphs are Markdown.
func detect(body []line, name string, meta document.Metadata) (Format, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))
	switch ext {
	case ".jsonl", ".ndjson", ".json":
		return FAQJSONL, nil
	case ".csv", ".tsv":
		return FAQCSV, nil
	case ".md", ".markdown":
		if hasTurns(body, meta, questionHeadings(body)) {
			return Transcript, nil
		}
		return Markdown, nil
	}
	firstLine := ""
	for _, l := range body {
		if !isBlank(l.text) {
			firstLine = strings.TrimSpace(l.text)
			break
		}
	}
	if strings.HasPrefix(firstLine, "{") {
		return FAQJSONL, nil
	}
	// A JSON array: "[{…", or "[" alone when pretty-printed; but
	// "[00:01:02] Name: …" is a transcript.
	if rest, ok := strings.CutPrefix(firstLine, "["); ok && (rest == "" || strings.HasPrefix(strings.TrimSpace(rest), "{")) {
		return FAQJSONL, nil
	}
	if looksCSVHeader(firstLine) {
		return FAQCSV, nil
	}
	headings := questionHeadings(body)
	if hasTurns(body, meta, headings) {
		return Transcript, nil
	}
	if isSubtitles(body) {
		return "", errorf(0, noSubtitleSpeakersMsg)
	}
	if headings > 0 {
		return Markdown, nil
	}
	return "", errorf(0, noTurnsMsg)
}

// noSubtitleSpeakersMsg is for captions that do not say who speaks: they
// cannot be cut into questions and answers.
const noSubtitleSpeakersMsg = `this is a subtitle file (WebVTT or SubRip), but its cues do not name two or more speakers: expected cues like "Name: …" (Zoom) or "<v Name>…" (Microsoft Teams)`

// hasTurns reports whether the body reads as a transcript: at least two
// speakers, and more turns than question headings (a Markdown article may
// quote someone twice; a Markdown transcript may have section headings).
func hasTurns(body []line, meta document.Metadata, headings int) bool {
	seg := segment(buildLayout(body), meta)
	return seg.speakerCount() >= 2 && len(seg.turns) >= 2 && len(seg.turns) > headings
}
