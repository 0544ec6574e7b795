package parse

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Fixtures of this file live in testdata/formats/, out of TestGolden's and
// FuzzParse's reach: subtitle cues are joined with spaces, so their text is
// not a substring of the file as FuzzParse requires.

func readFormat(t *testing.T, name string) []byte {
	t.Helper()
	return readFixture(t, filepath.Join("formats", name))
}

// sectionList renders a document's sections one per line as
// "Asker: question => Answerer: paragraph ¶ paragraph".
func sectionList(t *testing.T, data []byte, name string) string {
	t.Helper()
	doc := mustParse(t, data, Options{Name: name})
	var b strings.Builder
	for _, s := range doc.Sections {
		fmt.Fprintf(&b, "%s: %s => %s: %s\n", s.Asker, s.Question, s.Answerer, strings.Join(s.Paragraphs, " ¶ "))
	}
	return b.String()
}

// turnLines renders Turns' speakers with the file line of each label.
func turnLines(t *testing.T, data []byte) string {
	t.Helper()
	turns, err := Turns(data)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, tr := range turns {
		s = append(s, fmt.Sprintf("%d %s", tr.Line, tr.Speaker))
	}
	return strings.Join(s, " | ")
}

// TestSubtitles: cue numbers, timings, header, NOTE and STYLE blocks and
// markup never reach the text; a speaker's consecutive cues are one
// paragraph joined with single spaces; Teams voice tags are labels; turns
// keep the line of the original file. Fails without the isSubtitles branch
// of buildLayout (timings in the answers), without dropping the repeated
// label (an answer reads "… 2004, Tom Becker: mostly …"), with "\n" as the
// paragraph separator, or without voiceLabel (no turns in teams.vtt).
func TestSubtitles(t *testing.T) {
	tests := []struct {
		file, sections, turns string
	}{
		{
			file: "zoom.vtt",
			sections: "Maria Lopez: Hi, thanks for joining us today. Can you tell us how you started? => Tom Becker: Sure. I started as a volunteer in 2004, mostly answering phones. Then I moved into research.\n" +
				"Maria Lopez: What surprised you most? => Tom Becker: How little the data was used.\n",
			turns: "13 Maria Lopez | 18 Tom Becker | 30 Maria Lopez | 34 Tom Becker",
		},
		{
			file: "teams.vtt",
			sections: "Lopez, Maria (Guest): Welcome, and thanks for coming. What does your team do & why? => Tom Becker: We fix old radios for schools.\n" +
				"Lopez, Maria (Guest): Why radios? => Tom Becker: They still work.\n",
			turns: "5 Lopez, Maria (Guest) | 13 Tom Becker | 20 Lopez, Maria (Guest) | 20 Tom Becker",
		},
		{
			// One cue runs into the next number without a blank line.
			file: "subs.srt",
			sections: "Maria Lopez: Hi, thanks for joining us today. Can you tell us how you started? => Tom Becker: Sure. I started as a volunteer in 2004, mostly answering phones.\n" +
				"Maria Lopez: What surprised you most? => Tom Becker: How little the data was used.\n",
			turns: "3 Maria Lopez | 7 Tom Becker | 14 Maria Lopez | 18 Tom Becker",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFormat(t, tt.file)
			if got := sectionList(t, data, tt.file); got != tt.sections {
				t.Errorf("sections:\n got %s\nwant %s", got, tt.sections)
			}
			if got := turnLines(t, data); got != tt.turns {
				t.Errorf("turns:\n got %s\nwant %s", got, tt.turns)
			}
			// The same with CRLF line breaks and no file name to go by.
			crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
			if got := sectionList(t, crlf, ""); got != tt.sections {
				t.Errorf("CRLF, no name:\n got %s\nwant %s", got, tt.sections)
			}
		})
	}
}

// TestSubtitlesWithoutSpeakers: captions that name nobody get a message
// saying so, not the transcript one. Fails without the isSubtitles check in
// detect.
func TestSubtitlesWithoutSpeakers(t *testing.T) {
	data := []byte("1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:02,000 --> 00:00:03,000\nGeneral Kenobi.\n")
	_, err := Parse(data, Options{Name: "film.srt"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Reason != noSubtitleSpeakersMsg {
		t.Errorf("err = %v, want %q", err, noSubtitleSpeakersMsg)
	}
}

// TestIsSubtitles: only a file that opens like one is read as subtitles;
// a transcript that starts with a number or mentions "-->" is not. Fails if
// isSubtitles drops its conditions (the "1" line alone, "WEBVTTX").
func TestIsSubtitles(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"WEBVTT\n\n00:01.000 --> 00:02.000\nA: x", true},
		{"WEBVTT - Zoom\n", true},
		{"\n\n1\n00:00:01,000 --> 00:00:02,000\nA: x", true},
		{"00:00:01.000 --> 00:00:02.000\nA: x", true},
		{"1\nQ: What is it?\nA: A thing.", false},
		{"Q: What is it?\n00:00:01,000 --> 00:00:02,000\nA: A thing.", false},
		{"WEBVTTX\n\n00:01.000 --> 00:02.000", false},
		{"Q: Does a --> b?\n00:01 --> then\nA: no", false},
	}
	for _, tt := range tests {
		lines, err := prepare([]byte(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		if got := isSubtitles(lines); got != tt.want {
			t.Errorf("isSubtitles(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestLabelFormats checks label shapes from transcription services and
// other scripts. A timestamp is neither in the label nor in the text after
// it, any Unicode space may follow the colon, a fullwidth colon needs none,
// and names in caseless scripts count. Each group fails without its change
// in label.go (labelColon, dropTimestamp, timestampPrefix, timedName,
// unicode.IsSpace after the colon, the fullwidth colon, caseless).
func TestLabelFormats(t *testing.T) {
	checkLabels(t, []labelCase{
		// Rev, Temi: a timestamp in parentheses before the colon.
		{"Speaker 1 (00:00):", "Speaker 1", ""},
		{"Speaker 2 (01:02:09): Sure.", "Speaker 2", " Sure."},
		{"**Speaker 1 (00:31):** Why?", "Speaker 1", " Why?"},
		{"Ana Pérez (Host) (00:05): Welcome.", "Ana Pérez (Host)", " Welcome."},
		// A timestamp before the label, or in brackets after it.
		{"00:01:02 Maria Lopez: Hi.", "Maria Lopez", " Hi."},
		{"[00:01:02] Maria Lopez: Hi.", "Maria Lopez", " Hi."},
		{"(1:02) Q: Why?", "Q", " Why?"},
		{"Maria Lopez [00:00:03]: Hi.", "Maria Lopez", " Hi."},
		{"Maria Lopez [00:00:03.250]: Hi.", "Maria Lopez", " Hi."},
		// Otter: name, two or more spaces or a tab, timestamp, alone.
		{"Speaker 1  0:03", "Speaker 1", ""},
		{"Jane Doe   12:45  ", "Jane Doe", ""},
		{"Jane Doe\t1:12:45", "Jane Doe", ""},
		{"Ana: we met at  5:00", "Ana", " we met at  5:00"},
		// Unicode spaces after the colon; the fullwidth colon.
		{"Interviewer:\u00a0What did you think?", "Interviewer", "\u00a0What did you think?"},
		{"Ana:\u2003Hola.", "Ana", "\u2003Hola."},
		{"记者：你好吗？", "记者", "你好吗？"},
		{"**记者：**你好吗？", "记者", "你好吗？"},
		{"记者: 你好吗？", "记者", " 你好吗？"},
		// Caseless scripts.
		{"المحاور: ما رأيك في المشروع؟", "المحاور", " ما رأيك في المشروع؟"},
		{"דוד לוי: זה טוב.", "דוד לוי", " זה טוב."},
		{"สมชาย ใจดี: สวัสดีครับ", "สมชาย ใจดี", " สวัสดีครับ"},
		{"साक्षात्कारकर्ता: नमस्ते", "साक्षात्कारकर्ता", " नमस्ते"},
		// Not labels.
		{"Meeting at 10:30 sharp.", "", ""},
		{"10:30 he said: no", "", ""},
		{"00:01:02Maria: Hi.", "", ""},
		{"Speaker 1 0:03", "", ""},
		{"Total  12:30 today", "", ""},
		{"Speaker 1 (00:00", "", ""},
		{"Maria Lopez [draft]: Hi.", "", ""},
		{"Re:\u00a0x", "", ""},
		{"Ana:x", "", ""},
		{"he said: no", "", ""},
		{"él dijo: no", "", ""},
		{"ªb: x", "", ""},
		{"我认为最重要的问题其实是这个：技术", "", ""},
	})
}

// TestTimedTranscripts reads whole transcripts in the formats of
// transcription services and other scripts: the speakers are found, and the
// questions and answers are the speech exactly, without timestamps.
func TestTimedTranscripts(t *testing.T) {
	const (
		q1 = "Hi, thanks for joining us today. Can you tell us how you started?"
		a1 = "Sure. I started as a volunteer in 2004, mostly answering phones."
	)
	both := func(asker, answerer string) string {
		return asker + ": " + q1 + " => " + answerer + ": " + a1 + "\n" +
			asker + ": What surprised you most? => " + answerer + ": How little the data was used.\n"
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"rev.txt", string(readFormat(t, "rev.txt")), both("Speaker 1", "Speaker 2")},
		{"otter.txt", string(readFormat(t, "otter.txt")),
			"Speaker 1: " + q1 + " => Speaker 2: " + a1 + " ¶ Then I moved into research.\n" +
				"Speaker 1: What surprised you most? => Speaker 2: How little the data was used.\n"},
		{"otter_named.txt", "Maria Lopez  0:03\n" + q1 + "\n\nTom Becker  0:09\nSure. I started as a volunteer in 2004,\nmostly answering phones.\n\n" +
			"Maria Lopez  0:31\nWhat surprised you most?\n\nTom Becker  0:35\nHow little the data was used.\n",
			"Maria Lopez: " + q1 + " => Tom Becker: Sure. I started as a volunteer in 2004,\nmostly answering phones.\n" +
				"Maria Lopez: What surprised you most? => Tom Becker: How little the data was used.\n"},
		{"ts_prefix.txt", "00:00:03 Maria Lopez: " + q1 + "\n00:00:09 Tom Becker: " + a1 + "\n00:00:31 Maria Lopez: What surprised you most?\n00:00:35 Tom Becker: How little the data was used.\n",
			both("Maria Lopez", "Tom Becker")},
		// No name: a first line "[00:00:03] …" is not a JSON array.
		{"", "[00:00:03] Maria Lopez: " + q1 + "\n[00:00:09] Tom Becker: " + a1 + "\n[00:00:31] Maria Lopez: What surprised you most?\n[00:00:35] Tom Becker: How little the data was used.\n",
			both("Maria Lopez", "Tom Becker")},
		{"label_ts_after.txt", "Maria Lopez [00:00:03]: " + q1 + "\n\nTom Becker [00:00:09]: " + a1 + "\n\nMaria Lopez [00:00:31]: What surprised you most?\n\nTom Becker [00:00:35]: How little the data was used.\n",
			both("Maria Lopez", "Tom Becker")},
		{"word.txt", "\ufeffInterviewer:\u00a0What did you think of the “new policy”?\r\n\r\nJosé María:\u00a0It’s complicated — honestly.\r\n\r\nInterviewer:\u00a0And the budget?\r\n\r\nJosé María:\u00a0We’ll see…\r\n",
			"Interviewer: What did you think of the “new policy”? => José María: It’s complicated — honestly.\n" +
				"Interviewer: And the budget? => José María: We’ll see…\n"},
		{"rtl.txt", "المحاور: ما رأيك في المشروع؟\n\nأحمد علي: إنه مشروع جيد جداً.\n\nالمحاور: ولماذا؟\n\nأحمد علي: لأنه يساعد الناس.\n",
			"المحاور: ما رأيك في المشروع؟ => أحمد علي: إنه مشروع جيد جداً.\n" +
				"المحاور: ولماذا؟ => أحمد علي: لأنه يساعد الناس.\n"},
		{"hebrew.txt", "מראיין: מה דעתך?\n\nדוד לוי: זה טוב.\n\nמראיין: למה?\n\nדוד לוי: כי זה עוזר.\n",
			"מראיין: מה דעתך? => דוד לוי: זה טוב.\n" +
				"מראיין: למה? => דוד לוי: כי זה עוזר.\n"},
		{"cjk.txt", "记者：你好吗？\n\n王明：我很好。\n\n记者：为什么？\n\n王明：因为天气好。\n",
			"记者: 你好吗？ => 王明: 我很好。\n" +
				"记者: 为什么？ => 王明: 因为天气好。\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sectionList(t, []byte(tt.data), tt.name); got != tt.want {
				t.Errorf("sections:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestJSONArray: a FAQ as a JSON array (pretty-printed, one line, named
// .json or not) is read like JSON Lines; its errors name the line where the
// element at fault starts.
func TestJSONArray(t *testing.T) {
	pretty := "[\n  {\"question\": \"What is it?\", \"answer\": \"It is a thing.\"},\n  {\"question\": \"Why?\", \"answer\": \"Because\"}\n]\n"
	for _, tt := range []struct {
		name, data string
		sections   int
	}{
		{"faq.json", pretty, 2},
		{"faq.txt", pretty, 2},
		{"", pretty, 2},
		{"", `[ {"question": "What is it?", "answer": "It is a thing."} ]`, 1},
	} {
		doc, format, err := ParseFormatted([]byte(tt.data), Options{Name: tt.name})
		if err != nil || format != FAQJSONL || len(doc.Sections) != tt.sections || doc.Sections[0].Question != "What is it?" {
			t.Errorf("Parse(%q, %q): %v, format %q, %d sections", tt.name, tt.data, err, format, len(doc.Sections))
		}
	}
	for _, tt := range []struct {
		data, want string
		line       int
	}{
		{`["What is it?", "It is a thing."]`, "found a JSON string", 1},
		{"[\n  {\"question\": \"Q?\", \"answer\": \"A.\"},\n  {\"question\": \"Q2?\"}\n]", `missing "answer"`, 3},
		{"[\n  {\"question\": \"Q?\", \"answer\": \"A.\"}", "does not close", 2},
		{"[{\"question\": \"Q?\", \"answer\": \"A.\"}]\n{\"x\": 1}", "text after the JSON array", 2},
	} {
		_, err := Parse([]byte(tt.data), Options{Name: "faq.json"})
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(pe.Reason, tt.want) {
			t.Errorf("Parse(%q): %v, want line %d: %s", tt.data, err, tt.line, tt.want)
		}
	}
	// A JSON Lines file named .json is read.
	jsonl := []byte(`{"question": "What is it?", "answer": "It is a thing."}` + "\n")
	if _, format, err := ParseFormatted(jsonl, Options{Name: "faq.json"}); err != nil || format != FAQJSONL {
		t.Errorf("JSON Lines in faq.json: format %q, err %v", format, err)
	}
}
