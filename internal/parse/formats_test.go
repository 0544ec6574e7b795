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

// TestRoleMarks: a deposition's "Q." and "A." (or "Q" and "A" followed by
// two or more spaces or a tab) have the shape of role labels; anything
// else starting with a capital A or Q does not. Fails if roleMark accepts a
// single space after a bare letter ("A Smith"), a letter other than Q and
// A, lower case, or a label with no text after it.
func TestRoleMarks(t *testing.T) {
	checkLabelsWith(t, "roleMark", roleMark, []labelCase{
		{"Q. Please state your name.", "Q", " Please state your name."},
		{"A.  John Smith.", "A", "  John Smith."},
		{"Q  And before that?", "Q", "  And before that?"},
		{"A\tThe docks.", "A", "\tThe docks."},
		{"   Q. Indented?", "Q", " Indented?"},
		// Not role marks.
		{"A Smith said so.", "", ""},
		{"Q.Why", "", ""},
		{"B. Second option", "", ""},
		{"q. why", "", ""},
		{"A.", "", ""},
		{"A.   ", "", ""},
		{"AB. x", "", ""},
		{"Q: Why?", "", ""},
	})
}

// TestDepositionRoles reads deposition and oral-history transcripts whose
// turns start with "Q." and "A." and no names: Q asks, A answers, and the
// marks are in neither the question nor the answer. "A. Smith" inside a
// turn stays text. Fails without the role marks in segment (no turns).
func TestDepositionRoles(t *testing.T) {
	data := readFixture(t, "depo.txt")
	want := "Q: Please state your name for the record. => A: John Smith.\n" +
		"Q: Where do you work? => A: At the mill on Route 9, since 2001.\n" +
		"Q: And before that? => A: The docks. A. Smith hired me,\nand Q. Li trained me.\n" +
		"Q: Anything else? => A: No.\n"
	if got := sectionList(t, data, "depo.txt"); got != want {
		t.Errorf("sections:\n got %s\nwant %s", got, want)
	}
	if got, want := turnLines(t, data), "1 Q | 2 A | 3 Q | 4 A | 5 Q | 6 A | 8 Q | 9 A"; got != want {
		t.Errorf("turns:\n got %s\nwant %s", got, want)
	}
	// Blank lines between turns, and an introduction before them: the
	// wrapped line is then a paragraph of its own in A's turn.
	spaced := "Oral history of John Smith, 2019.\n\n" + strings.ReplaceAll(string(data), "\n", "\n\n")
	doc := mustParse(t, []byte(spaced), Options{})
	if got := sectionList(t, []byte(spaced), ""); got != strings.Replace(want, "me,\nand", "me, ¶ and", 1) {
		t.Errorf("spaced sections:\n got %s", got)
	}
	if len(doc.Intro) != 1 || doc.Intro[0] != "Oral history of John Smith, 2019." {
		t.Errorf("intro = %q", doc.Intro)
	}
}

// TestRoleMarksNeedBothRoles: "A." and "Q." start turns only when each
// starts two or more lines, and they start more lines than other labels
// (or other labels make no transcript). Sentences that happen to start
// "A. Smith" in an ordinary transcript, with or without "Q:"/"A:" labels,
// stay in the speaker's text, even when both kinds recur; an attorney's
// "MR. JONES:" does not stop a deposition's marks. Fails if a lone kind of
// mark is enough (the "Q." once case), if recurring marks win over more
// named turns (the twice-each cases), or if roleMark is folded into
// parseLabel (the Q:/A: case: "A" would then be a vouched role label).
func TestRoleMarksNeedBothRoles(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"named turns, one Q.",
			"Ana: Who hired you?\n\nLuis: The foreman.\nA. Smith said so.\nQ. Li agreed.\n\nAna: And then?\n\nLuis: The docks.\nA. Smith again.\n",
			"Ana: Who hired you? => Luis: The foreman.\nA. Smith said so.\nQ. Li agreed.\n" +
				"Ana: And then? => Luis: The docks.\nA. Smith again.\n"},
		{"Q: and A: labels",
			"Q: Who hired you?\nA: The foreman.\nA. Smith said so.\nQ: And then?\nA: The docks.\nA. Smith again.\n",
			"Q: Who hired you? => A: The foreman.\nA. Smith said so.\n" +
				"Q: And then? => A: The docks.\nA. Smith again.\n"},
		{"named turns, Q. and A. twice each",
			"Ana: Who hired you?\n\nLuis: The foreman.\nA. Smith said so.\nQ. Li agreed.\n\nAna: And then?\n\nLuis: The docks.\nA. Smith again.\nQ. Li too.\n",
			"Ana: Who hired you? => Luis: The foreman.\nA. Smith said so.\nQ. Li agreed.\n" +
				"Ana: And then? => Luis: The docks.\nA. Smith again.\nQ. Li too.\n"},
		{"Q: and A: labels, Q. and A. twice each",
			"Q: Who hired you?\nA: The foreman.\nA. Smith said so.\nQ. Li agreed.\nQ: And then?\nA: The docks.\nA. Smith again.\nQ. Li too.\n",
			"Q: Who hired you? => A: The foreman.\nA. Smith said so.\nQ. Li agreed.\n" +
				"Q: And then? => A: The docks.\nA. Smith again.\nQ. Li too.\n"},
		{"a deposition with an objection",
			"Q. Where do you work?\nA. At the mill.\nMR. JONES: Objection, form.\nQ. You may answer.\nA. At the mill, since 2001.\nQ. And before?\nA. The docks.\n",
			"Q: Where do you work? => A: At the mill.\nMR. JONES: Objection, form.\n" +
				"Q: You may answer. => A: At the mill, since 2001.\n" +
				"Q: And before? => A: The docks.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sectionList(t, []byte(tt.data), ""); got != tt.want {
				t.Errorf("sections:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestCapsNames: a line that is only a plausible name in capitals has the
// shape of a magazine's speaker line, with no text after it on the line;
// sentences, questions, mixed case, colon labels and words like "NOTE" do
// not. Fails without capsName's punctuation check ("THE END.", "WHY NOT?",
// "YES, MA'AM"), its isUpperName check ("Morrison"), or stopLabels.
func TestCapsNames(t *testing.T) {
	checkLabelsWith(t, "capsName", capsName, []labelCase{
		{"INTERVIEWER", "INTERVIEWER", ""},
		{"MORRISON  ", "MORRISON", ""},
		{"  T. S. ELIOT", "T. S. ELIOT", ""},
		{"MR. SMITH", "MR. SMITH", ""},
		{"GABRIEL GARCÍA MÁRQUEZ", "GABRIEL GARCÍA MÁRQUEZ", ""},
		// Not names alone on a line.
		{"THE END.", "", ""},
		{"WHY NOT?", "", ""},
		{"YES, MA'AM", "", ""},
		{"INTERVIEWER: Hello.", "", ""},
		{"Morrison", "", ""},
		{"NOTE", "", ""},
		{"Q", "", ""},
		{"ONE TWO THREE FOUR FIVE SIX", "", ""},
		{"", "", ""},
	})
}

// TestMagazineNames reads a print interview whose speakers' names stand
// alone on a line in capitals above their words, with or without a blank
// line after the name, the Paris Review's INTERVIEWER asking. A name in
// capitals that appears once (the heading "TONI MORRISON") stays in the
// introduction. Fails without the capital-name lines in segment (no turns),
// or if a name seen once is taken (the heading becomes a turn).
func TestMagazineNames(t *testing.T) {
	data := readFixture(t, "magazine.txt")
	want := "INTERVIEWER: How do you start a novel? => MORRISON: With an image, usually. ¶ Sometimes a sentence.\n" +
		"INTERVIEWER: And then? => MORRISON: Then I wait. PATIENCE\nis most of it.\n"
	if got := sectionList(t, data, "magazine.txt"); got != want {
		t.Errorf("sections:\n got %s\nwant %s", got, want)
	}
	if got, want := turnLines(t, data), "5 INTERVIEWER | 8 MORRISON | 13 INTERVIEWER | 17 MORRISON"; got != want {
		t.Errorf("turns:\n got %s\nwant %s", got, want)
	}
	doc := mustParse(t, data, Options{})
	if want := []string{"The Paris Review talked to the writer in her studio.", "TONI MORRISON"}; strings.Join(doc.Intro, "|") != strings.Join(want, "|") {
		t.Errorf("intro = %q, want %q", doc.Intro, want)
	}
	// No blank lines at all, and no role name: the one who asks is the one
	// whose turns hold the question marks.
	packed := "PLAYBOY\nWhy computers?\nJOBS\nBecause they amplify us.\nPLAYBOY\nAnd now?\nJOBS\nNow we wait.\n"
	want = "PLAYBOY: Why computers? => JOBS: Because they amplify us.\nPLAYBOY: And now? => JOBS: Now we wait.\n"
	if got := sectionList(t, []byte(packed), ""); got != want {
		t.Errorf("packed sections:\n got %s\nwant %s", got, want)
	}
}

// TestCapsNamesOnlyWithoutOtherLabels: names in capitals alone on a line
// are speakers only when two of them recur and the document has no other
// speaker labels. Captions that repeat the speakers' names in a transcript
// of "Name:" turns stay text, and a document where only one such name
// recurs is not a transcript. Fails if capital-name lines are used
// alongside colon labels (the first case gets turns "ANA PÉREZ"), or if
// names seen once count (the heading HISTORY, in the style of the four
// MORRISON lines, becomes a second speaker).
func TestCapsNamesOnlyWithoutOtherLabels(t *testing.T) {
	in := "Ana Pérez: Why ports?\n\nANA PÉREZ\nLUIS GÓMEZ\n\nLuis Gómez: Trade.\n\nAna Pérez: And then?\n\nANA PÉREZ\nLUIS GÓMEZ\n\nLuis Gómez: Roads.\n"
	want := "Ana Pérez: Why ports?\n\nANA PÉREZ\nLUIS GÓMEZ => Luis Gómez: Trade.\n" +
		"Ana Pérez: And then?\n\nANA PÉREZ\nLUIS GÓMEZ => Luis Gómez: Roads.\n"
	if got := sectionList(t, []byte(in), ""); got != want {
		t.Errorf("sections:\n got %s\nwant %s", got, want)
	}
	one := "HISTORY\n\nMORRISON\nWith an image.\n\nMORRISON\nThen I wait.\n\nMORRISON\nAnd I write.\n\nMORRISON\nAgain.\n"
	var pe *Error
	if _, err := Parse([]byte(one), Options{}); !errors.As(err, &pe) || pe.Reason != noTurnsMsg {
		t.Errorf("one recurring name: err = %v, want %q", err, noTurnsMsg)
	}
}
