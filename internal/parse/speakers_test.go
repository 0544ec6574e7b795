package parse

import (
	"slices"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/document"
)

// checkAttribution fails unless every answer paragraph of doc is a
// paragraph that the section's answerer spoke, according to Turns: the bot
// quotes a paragraph under the section's answerer's name.
func checkAttribution(t *testing.T, data []byte, doc document.Document) {
	t.Helper()
	turns, err := Turns(data)
	if err != nil {
		t.Fatal(err)
	}
	spoken := map[string][]string{} // paragraph → keys of the speakers who said it
	for _, tr := range turns {
		for _, p := range strings.Split(tr.Text, "\n\n") {
			spoken[p] = append(spoken[p], foldKey(tr.Speaker))
		}
	}
	for i, s := range doc.Sections {
		for _, p := range s.Paragraphs {
			if !slices.Contains(spoken[p], foldKey(s.Answerer)) {
				t.Errorf("section %d: %q is quoted as %s's, but was said by %v", i+1, p, s.Answerer, spoken[p])
			}
		}
	}
}

// sectionSummary is "asker > answerer: question | paragraph | paragraph",
// one line per section.
func sectionSummary(doc document.Document) string {
	var b strings.Builder
	for _, s := range doc.Sections {
		b.WriteString(s.Asker + " > " + s.Answerer + ": " + s.Question)
		for _, p := range s.Paragraphs {
			b.WriteString(" | " + p)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Mutation that fails it: in parseTranscript, keep appending a second
// answerer's turns to the current section (set Answerer only once).
func TestSecondAnswererGetsOwnSection(t *testing.T) {
	in := "Moderator: What changed for your sector?\n\n" +
		"Joaquín Sáez: A lot changed. First, the money.\n\n" +
		"Second, the partners.\n\n" +
		"JOAQUIN SAEZ: Sorry, let me add one thing: the timing.\n\n" +
		"María de la Fuente: I agree with Joaquín, though I would stress the partners.\n\n" +
		"Moderator: What about regulation?\n\n" +
		"Joaquin Saez: Regulation lagged.\n\n" +
		"María de la Fuente: It still does.\n"
	doc := mustParse(t, []byte(in), Options{Name: "panel.txt"})
	want := "Moderator > Joaquín Sáez: What changed for your sector? | A lot changed. First, the money. | Second, the partners. | Sorry, let me add one thing: the timing.\n" +
		"Moderator > María de la Fuente: What changed for your sector? | I agree with Joaquín, though I would stress the partners.\n" +
		"Moderator > Joaquin Saez: What about regulation? | Regulation lagged.\n" +
		"Moderator > María de la Fuente: What about regulation? | It still does.\n"
	if got := sectionSummary(doc); got != want {
		t.Errorf("sections:\n%s\nwant:\n%s", got, want)
	}
	checkAttribution(t, []byte(in), doc)
	if err := doc.Validate(); err != nil {
		t.Error(err)
	}
}

// The review's panel file: two interviewees, label variants of one of
// them, a backchannel, and labels alone on their line.
//
// Mutations that fail it: either of those for TestSecondAnswererGetsOwnSection
// and TestInterjectionKeepsSection.
func TestPanelTranscript(t *testing.T) {
	in := "Panel discussion recorded in Lima, 2023.\n\n" +
		"Moderator: Welcome to both of you.\n\n" +
		"I want to start with a long question. In the last decade, investment patterns have shifted considerably.\n\n" +
		"So my question is: what changed for your sector?\n\n" +
		"Joaquín Sáez: A lot changed. First, the money.\n\n" +
		"Second, the partners.\n\n" +
		"JOAQUIN SAEZ: Sorry, let me add one thing — the timing.\n\n" +
		"María de la Fuente: I agree with Joaquín, though I would stress the partners.\n\n" +
		"Moderator: Right.\n\n" +
		"María de la Fuente: And the partners were new to us.\n\n" +
		"Moderator: What about regulation?\n\n" +
		"Joaquin Saez: Regulation lagged.\n\n" +
		"Moderator:\nLast question. Where next?\n\n" +
		"María de la Fuente:\nAsia, probably.\n"
	doc := mustParse(t, []byte(in), Options{Name: "t_multi.txt"})
	q1 := "Welcome to both of you.\n\nI want to start with a long question. In the last decade, investment patterns have shifted considerably.\n\nSo my question is: what changed for your sector?"
	want := "Moderator > Joaquín Sáez: " + q1 + " | A lot changed. First, the money. | Second, the partners. | Sorry, let me add one thing — the timing.\n" +
		"Moderator > María de la Fuente: " + q1 + " | I agree with Joaquín, though I would stress the partners. | And the partners were new to us.\n" +
		"Moderator > Joaquin Saez: What about regulation? | Regulation lagged.\n" +
		"Moderator > María de la Fuente: Last question. Where next? | Asia, probably.\n"
	if got := sectionSummary(doc); got != want {
		t.Errorf("sections:\n%s\nwant:\n%s", got, want)
	}
	checkAttribution(t, []byte(in), doc)
	if doc.Meta.Interviewee != "Joaquín Sáez, María de la Fuente" {
		t.Errorf("interviewee = %q", doc.Meta.Interviewee)
	}
}

// Mutations that fail it: remove the interjection call in parseTranscript
// (the "Right." section comes back); drop its "no question mark" condition
// (the "Really?" case), its "same answerer on both sides" condition (the
// "Okay." case) or its backchannel-word check (the "And the reason." case).
func TestInterjectionKeepsSection(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "backchannel inside an answer",
			in: "Interviewer: Welcome. What brought you to this work?\n\n" +
				"Jane Doe: I grew up on a farm.\n\nIt shaped everything.\n\n" +
				"Interviewer: Right.\n\n" +
				"Jane Doe: And then I left for the city?\n\n" +
				"Interviewer: What did you find there?\n\n" +
				"Jane Doe: Mostly noise.\n",
			want: "Interviewer > Jane Doe: Welcome. What brought you to this work? | I grew up on a farm. | It shaped everything. | And then I left for the city?\n" +
				"Interviewer > Jane Doe: What did you find there? | Mostly noise.\n",
		},
		{
			name: "several short backchannels",
			in: "Q: Where did you grow up?\n\n" +
				"A: On a farm.\n\n" +
				"Q: Yes. Yes.\n\n" +
				"A: Near the river.\n\n" +
				"Q: Mm-hmm.\n\n" +
				"A: Until I was twelve.\n\n" +
				"Q: And then?\n\n" +
				"A: The city.\n",
			want: "Q > A: Where did you grow up? | On a farm. | Near the river. | Until I was twelve.\n" +
				"Q > A: And then? | The city.\n",
		},
		{
			name: "a short question is a question",
			in: "Q: Where did you grow up?\n\n" +
				"A: On a farm.\n\n" +
				"Q: Really?\n\n" +
				"A: Yes, really.\n",
			want: "Q > A: Where did you grow up? | On a farm.\n" +
				"Q > A: Really? | Yes, really.\n",
		},
		{
			name: "a short turn between two answerers is not a backchannel",
			in: "Host: Where did you two meet?\n\n" +
				"Ana Ruiz: At school.\n\n" +
				"Host: Okay.\n\n" +
				"Luis Gómez: At a party, I think.\n\n" +
				"Host: Who was right?\n\n" +
				"Ana Ruiz: I was.\n\n" +
				"Luis Gómez: She was.\n",
			want: "Host > Ana Ruiz: Where did you two meet? | At school.\n" +
				"Host > Luis Gómez: Okay. | At a party, I think.\n" +
				"Host > Ana Ruiz: Who was right? | I was.\n" +
				"Host > Luis Gómez: Who was right? | She was.\n",
		},
		{
			name: "a short prompt is a question",
			in: "Q: Where did you grow up?\n\n" +
				"A: On a farm.\n\n" +
				"Q: And the reason.\n\n" +
				"A: My father's work.\n",
			want: "Q > A: Where did you grow up? | On a farm.\n" +
				"Q > A: And the reason. | My father's work.\n",
		},
		{
			name: "a longer remark starts a section",
			in: "Q: Where did you grow up?\n\n" +
				"A: On a farm.\n\n" +
				"Q: Tell me about the farm itself.\n\n" +
				"A: It was small.\n",
			want: "Q > A: Where did you grow up? | On a farm.\n" +
				"Q > A: Tell me about the farm itself. | It was small.\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, []byte(tt.in), Options{Name: "t.txt"})
			if got := sectionSummary(doc); got != tt.want {
				t.Errorf("sections:\n%s\nwant:\n%s", got, tt.want)
			}
			checkAttribution(t, []byte(tt.in), doc)
		})
	}
}

// Mutations that fail it: remove the call to rejectEmbedded in segment
// (the country cases); drop its paragraph-start signal (the capitalised
// case) or its lower-case signal (the paragraphs case); or drop both, so
// that it refuses every speaker who never answers first (the panel case).
func TestListLabelsAreNotSpeakers(t *testing.T) {
	const ask1, ask2, ask3 = "How did investment differ by country?", "And in the second decade?", "What comes next?"
	tests := []struct {
		name, in string
		turns    string   // speakers of Turns
		answers  []string // the answer paragraphs, section by section, joined by " | "
	}{
		{
			name: "lines inside an answer",
			in: "Ana Pérez: " + ask1 + "\n\n" +
				"Luis Gómez: It varied a lot.\nChile: mostly lithium and copper.\nBrazil: mostly power grids.\n\n" +
				"Ana Pérez: " + ask2 + "\n\n" +
				"Luis Gómez: The pattern shifted.\nChile: more solar parks.\nBrazil: more ports.\n\n" +
				"Ana Pérez: " + ask3 + "\n\n" +
				"Luis Gómez: Nobody knows.\n",
			turns: "Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez",
			answers: []string{
				"It varied a lot.\nChile: mostly lithium and copper.\nBrazil: mostly power grids.",
				"The pattern shifted.\nChile: more solar parks.\nBrazil: more ports.",
				"Nobody knows.",
			},
		},
		{
			name: "paragraphs inside an answer",
			in: "Ana Pérez: " + ask1 + "\n\n" +
				"Luis Gómez: It varied a lot.\n\nChile: mostly lithium and copper.\n\nBrazil: mostly power grids.\n\n" +
				"Ana Pérez: " + ask2 + "\n\n" +
				"Luis Gómez: The pattern shifted.\n\nChile: more solar parks.\n\nBrazil: more ports.\n\n" +
				"Ana Pérez: " + ask3 + "\n\n" +
				"Luis Gómez: Nobody knows.\n",
			turns: "Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez",
			answers: []string{
				"It varied a lot. | Chile: mostly lithium and copper. | Brazil: mostly power grids.",
				"The pattern shifted. | Chile: more solar parks. | Brazil: more ports.",
				"Nobody knows.",
			},
		},
		{
			name: "capitalised lines that never start a paragraph",
			in: "Ana Pérez: " + ask1 + "\n\n" +
				"Luis Gómez: It varied a lot.\nChile: Mostly lithium and copper.\nBrazil: Mostly power grids.\n\n" +
				"Ana Pérez: " + ask2 + "\n\n" +
				"Luis Gómez: The pattern shifted.\nChile: More solar parks.\nBrazil: More ports.\n",
			turns: "Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez",
			answers: []string{
				"It varied a lot.\nChile: Mostly lithium and copper.\nBrazil: Mostly power grids.",
				"The pattern shifted.\nChile: More solar parks.\nBrazil: More ports.",
			},
		},
		{
			// A panellist who always speaks second is still a speaker.
			name: "second panellist",
			in: "Ana Pérez: " + ask1 + "\n\n" +
				"Luis Gómez: It varied a lot.\n\n" +
				"Eva Ruiz: Less than you think.\n\n" +
				"Ana Pérez: " + ask2 + "\n\n" +
				"Luis Gómez: The pattern shifted.\n\n" +
				"Eva Ruiz: Not in Peru.\n",
			turns:   "Ana Pérez | Luis Gómez | Eva Ruiz | Ana Pérez | Luis Gómez | Eva Ruiz",
			answers: []string{"It varied a lot.", "Less than you think.", "The pattern shifted.", "Not in Peru."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			turns, err := Turns([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := speakers(turns); got != tt.turns {
				t.Errorf("speakers = %s, want %s", got, tt.turns)
			}
			doc := mustParse(t, []byte(tt.in), Options{Name: "t.txt"})
			var got []string
			for _, s := range doc.Sections {
				got = append(got, strings.Join(s.Paragraphs, " | "))
			}
			if !slices.Equal(got, tt.answers) {
				t.Errorf("answers:\n%q\nwant:\n%q", got, tt.answers)
			}
			checkAttribution(t, []byte(tt.in), doc)
		})
	}
}

// Mutation that fails it: compare names with their honorifics in
// matchName (remove the stripNameTitles call).
func TestHonorificsInMetadataNames(t *testing.T) {
	for _, tt := range []struct {
		key, name string
		want      bool
	}{
		{"ana", "prof ana ruiz", true},
		{"ruiz", "prof ana ruiz", true},
		{"ana ruiz", "prof ana ruiz", true},
		{"jane", "dr jane doe", true},
		{"maria", "dra maria gil", true},
		{"maria gil", "sra maria gil", true},
		{"don", "don smith", true}, // a first name that is also an honorific
		{"ruiz", "prof", false},
		{"eva", "prof ana ruiz", false},
	} {
		if got := matchName(tt.key, tt.name); got != tt.want {
			t.Errorf("matchName(%q, %q) = %v, want %v", tt.key, tt.name, got, tt.want)
		}
	}

	// The review's fm_honor2.txt: the interviewee asks rhetorical
	// questions, so without the names the roles come out inverted.
	in := "---\ninterviewee: Dr. Jane Doe\ninterviewer: Prof. Ana Ruiz\n---\n" +
		"Ana: Tell me what you studied.\n\n" +
		"Jane: Medicine? In Madrid, of course.\n\n" +
		"Ana: And the reason.\n\n" +
		"Jane: Why medicine? My mother was a nurse.\n"
	doc := mustParse(t, []byte(in), Options{Name: "fm_honor2.txt"})
	want := "Ana > Jane: Tell me what you studied. | Medicine? In Madrid, of course.\n" +
		"Ana > Jane: And the reason. | Why medicine? My mother was a nurse.\n"
	if got := sectionSummary(doc); got != want {
		t.Errorf("sections:\n%s\nwant:\n%s", got, want)
	}
}

// TestSCOTUSSections checks and logs the sections of both argument days:
// a justice asks, counsel answers, every paragraph is credited to its
// speaker, and no section's question is a justice's backchannel.
//
// Mutation that fails it: remove the interjection call in parseTranscript;
// sections whose question is "Yes. Yes." or "Go ahead." come back.
func TestSCOTUSSections(t *testing.T) {
	for _, name := range []string{"scotus_11-398_hhs-v-florida_2012-03-26.txt", "scotus_11-398_hhs-v-florida_2012-03-27.txt"} {
		data := readEval(t, name)
		doc := mustParse(t, data, Options{Name: name})
		short := 0
		for i, s := range doc.Sections {
			if !strings.Contains(s.Asker, "JUSTICE") || strings.Contains(s.Answerer, "JUSTICE") || s.Answerer == "" {
				t.Errorf("%s section %d: asker %q, answerer %q", name, i+1, s.Asker, s.Answerer)
			}
			if len(strings.Fields(s.Question)) <= 4 && !strings.ContainsAny(s.Question, "?") {
				short++
			}
			switch s.Question {
			case "Yes.", "Yes. Yes.", "Yes, yes.", "Okay.", "Exactly.", "Please.", "Go ahead.":
				t.Errorf("%s section %d: a backchannel as the question: %q", name, i+1, s.Question)
			}
		}
		checkAttribution(t, data, doc)
		t.Logf("%s: %d sections, %d whose question is at most 4 words without '?'", name, len(doc.Sections), short)
	}
}
