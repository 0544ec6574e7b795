package parse

import (
	"errors"
	"strings"
	"testing"
)

// Front matter written for another tool (a blog's author, tags, layout)
// is read for what Verbatim knows and the rest skipped.
func TestFrontMatterOtherToolsKeys(t *testing.T) {
	doc := mustParse(t, []byte("---\nlayout: post\ntitle: Harbour lives\nauthor: 'O'Brien'\ntags: [fishing, ports]\ncategories:\n  - interviews\n  - ports\n"+
		"description: >\n  A long folded\n  description.\ndraft_2: false\n---\n"+
		"Interviewer: Why the harbour?\n\nMarta: I grew up there.\n\nInterviewer: And now?\n\nMarta: I still fish.\n"), Options{})
	if doc.Meta.Title != "Harbour lives" || len(doc.Sections) != 2 {
		t.Errorf("title %q, %d sections", doc.Meta.Title, len(doc.Sections))
	}
}

// A transcript whose exchanges are set apart by "---" lines does not lose
// its first exchange to front matter: "Interviewer:" and "Interviewee:"
// are labels there, and the block names no document key.
func TestSeparatedExchangesAreNotFrontMatter(t *testing.T) {
	doc := mustParse(t, []byte("---\nInterviewer: Could you introduce yourself?\n\nInterviewee: I am Maria, a nurse in Lima.\n---\n"+
		"Interviewer: How long have you worked there?\n\nInterviewee: Twelve years.\n---\n"), Options{})
	if len(doc.Sections) != 2 || doc.Sections[0].Question != "Could you introduce yourself?" ||
		strings.Join(doc.Sections[0].Paragraphs, " ") != "I am Maria, a nurse in Lima." || doc.Meta.Interviewer == "Could you introduce yourself?" {
		t.Errorf("sections %+v, meta %+v", doc.Sections, doc.Meta)
	}
}

// Values are read as YAML writes them: escapes in double quotes, ” in
// single quotes, and a comment after an unquoted value.
func TestFrontMatterValues(t *testing.T) {
	for in, want := range map[string]string{
		`"Quote \"escaped\" inside"`: `Quote "escaped" inside`,
		`"Back\\slash"`:              `Back\slash`,
		`'It''s ours'`:               `It's ours`,
		`My Interview # a comment`:   `My Interview`,
		`"A # kept" # comment`:       `A # kept`,
		`Issue #4`:                   `Issue #4`,
	} {
		doc := mustParse(t, []byte("---\ntitle: "+in+"\n---\nQ: Why?\n\nA: Because.\n\nQ: How?\n\nA: Slowly.\n"), Options{})
		if doc.Meta.Title != want {
			t.Errorf("title: %s gave %q, want %q", in, doc.Meta.Title, want)
		}
	}
}

// A FAQ's JSON escapes may not put into the text the control characters
// the file's own bytes may not hold, and a key given twice in two cases is
// an error rather than one of them picked at random.
func TestJSONLValues(t *testing.T) {
	for name, tt := range map[string]struct{ in, want string }{
		"NUL escape": {`{"question": "What\u0000 is it?", "answer": "A thing."}`, `"question" contains a control character (U+0000)`},
		"ESC escape": {`{"question": "Why?", "answer": "\u001b[31m red"}`, `"answer" contains a control character (U+001B)`},
		"two cases":  {`{"question": "Why?", "answer": "first", "Answer": "second"}`, `"answer" is given twice`},
	} {
		_, err := Parse([]byte("{\"question\": \"Fine?\", \"answer\": \"Yes.\"}\n"+tt.in+"\n"), Options{Name: "faq.jsonl"})
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Reason, tt.want) {
			t.Errorf("%s: %v, want line 2: %s", name, err, tt.want)
		}
	}
	doc := mustParse(t, []byte(`{"question": "Tabs?", "answer": "One\tTwo\nThree"}`+"\n"), Options{Name: "faq.jsonl"})
	if doc.Sections[0].Paragraphs[0] != "One\tTwo\nThree" {
		t.Errorf("tab and line break: %q", doc.Sections[0].Paragraphs)
	}
}

// A web or magazine interview pasted into Markdown: its one heading is the
// title (as rendered), and its questions are bold lines or deeper headings.
func TestMarkdownQuestionLines(t *testing.T) {
	for name, in := range map[string]string{
		"bold":    "# An interview with *Luis Gómez*\n\nBy Ana, 2023.\n\n**Why the harbour?**\n\nI grew up there.\n\n**And now?**\n\nI still fish, mostly *at night*.\n",
		"level 4": "# An interview with *Luis Gómez*\n\nBy Ana, 2023.\n\n#### Why the harbour?\n\nI grew up there.\n\n#### And now?\n\nI still fish, mostly *at night*.\n",
	} {
		doc := mustParse(t, []byte(in), Options{Name: "luis.md"})
		if doc.Meta.Title != "An interview with Luis Gómez" || len(doc.Sections) != 2 || doc.Sections[0].Question != "Why the harbour?" ||
			doc.Sections[1].Paragraphs[0] != "I still fish, mostly *at night*." || len(doc.Intro) != 1 {
			t.Errorf("%s: title %q, intro %q, sections %+v", name, doc.Meta.Title, doc.Intro, doc.Sections)
		}
	}
	// A lone heading over one answer, with no question lines, is still the
	// one question.
	doc := mustParse(t, []byte("# What is soft power?\n\nThe power to attract.\n"), Options{Name: "q.md"})
	if len(doc.Sections) != 1 || doc.Sections[0].Question != "What is soft power?" {
		t.Errorf("lone question heading: %+v", doc.Sections)
	}
}

// Spreadsheets name their columns in many ways; any header holding the
// word question and the word answer (plural, Spanish, prefixed) will do.
func TestCSVHeaderVariants(t *testing.T) {
	for _, header := range []string{"Questions,Answers", "FAQ Question,FAQ Answer", "id;Pregunta;Respuesta", "Q,A"} {
		sep := ","
		if strings.Contains(header, ";") {
			sep = ";"
		}
		row := "Why?" + sep + "Because."
		if strings.HasPrefix(header, "id") {
			row = "1" + sep + row
		}
		doc, format, err := ParseFormatted([]byte(header+"\n"+row+"\n"), Options{Name: "faq.csv"})
		if err != nil || format != FAQCSV || len(doc.Sections) != 1 || doc.Sections[0].Question != "Why?" {
			t.Errorf("%s: %v %+v", header, err, doc.Sections)
		}
	}
	if _, err := Parse([]byte("Questionable,Answerable\nx,y\n"), Options{Name: "faq.csv"}); err == nil {
		t.Error("columns named only like the words were taken")
	}
}

// A column about the question or the answer (its id, its source) is not
// the question or the answer, wherever it stands.
func TestCSVColumnsAbout(t *testing.T) {
	doc, err := Parse([]byte("question_id,Answer source,question,answer\nQ17,https://x.org,Why?,Because.\n"), Options{Name: "faq.csv"})
	if err != nil || len(doc.Sections) != 1 || doc.Sections[0].Question != "Why?" || doc.Sections[0].Paragraphs[0] != "Because." {
		t.Errorf("%v %+v", err, doc.Sections)
	}
}
