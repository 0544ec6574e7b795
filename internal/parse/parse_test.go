package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/document"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, data []byte, opt Options) document.Document {
	t.Helper()
	doc, err := Parse(data, opt)
	if err != nil {
		t.Fatalf("Parse(%s): %v", opt.Name, err)
	}
	return doc
}

// TestGolden parses every fixture and compares the document with its golden
// JSON file; run with -update to rewrite them after reviewing a change.
func TestGolden(t *testing.T) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			doc, format, err := ParseFormatted(readFixture(t, name), Options{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(struct {
				Format Format            `json:"format"`
				Doc    document.Document `json:"document"`
			}{format, doc}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("document differs from %s (run go test -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

// TestSeed checks the shipped seed interview against the file itself.
func TestSeed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "seeds", "spcis-china-latin-america-technology.txt"))
	if err != nil {
		t.Fatal(err)
	}
	doc := mustParse(t, data, Options{Name: "spcis-china-latin-america-technology.txt"})
	m := doc.Meta
	if m.Title != "China-Latin America Technological Cooperation: Soft Power and Sustainability" ||
		m.SourceURL != "https://www.spcis.org/post/china-latin-america-technological-cooperation-soft-power-and-sustainability" ||
		m.Publisher != "Saint Pierre Center for International Security (SPCIS), Latin American section" ||
		m.Interviewer != "Joaquín Sáez" || m.Interviewee != "Sascha Hannig" || m.Language != "en" {
		t.Errorf("metadata = %+v", m)
	}
	if len(doc.Intro) != 1 || !strings.HasPrefix(doc.Intro[0], "As part of its Latin American section") {
		t.Errorf("intro = %q", doc.Intro)
	}
	if len(doc.Sections) != 6 {
		t.Fatalf("%d sections, want 6", len(doc.Sections))
	}
	if q := doc.Sections[0].Question; !strings.HasPrefix(q, "How do you assess the processes of technology transfer") {
		t.Errorf("first question = %q", q)
	}
	// The same file with a BOM and CRLF line breaks reads the same.
	crlf := append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
	if doc2 := mustParse(t, crlf, Options{Name: "spcis-china-latin-america-technology.txt"}); !equalDocs(doc, doc2) {
		t.Errorf("CRLF/BOM variant differs:\n%+v\n%+v", doc, doc2)
	}
	fileLines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		fileLines[l] = true
	}
	for i, s := range doc.Sections {
		if s.Asker != "Joaquín Sáez" || s.Answerer != "Sascha Hannig" {
			t.Errorf("section %d: asker %q, answerer %q", i+1, s.Asker, s.Answerer)
		}
		if !fileLines["Joaquín Sáez: "+s.Question] {
			t.Errorf("section %d: question is not a line of the file: %q", i+1, s.Question)
		}
		if len(s.Paragraphs) != 1 || !fileLines["Sascha Hannig: "+s.Paragraphs[0]] {
			t.Errorf("section %d: answer is not byte-identical to the file's paragraph: %q", i+1, s.Paragraphs)
		}
	}
}

func equalDocs(a, b document.Document) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// labelCase is a line and the label parseLabel must read at its start:
// the label's text and the text after it; text "" means no label.
type labelCase struct{ line, text, rest string }

// checkLabels runs parseLabel on each case.
func checkLabels(t *testing.T, cases []labelCase) {
	t.Helper()
	checkLabelsWith(t, "parseLabel", parseLabel, cases)
}

// checkLabelsWith runs a label reader (parseLabel, roleMark, capsName) on
// each case.
func checkLabelsWith(t *testing.T, fn string, read func(string) (label, bool), cases []labelCase) {
	t.Helper()
	for _, tt := range cases {
		lb, ok := read(tt.line)
		if tt.text == "" {
			if ok {
				t.Errorf("%s(%q) = %q, want no label", fn, tt.line, lb.text)
			}
			continue
		}
		if !ok {
			t.Errorf("%s(%q): no label, want %q", fn, tt.line, tt.text)
			continue
		}
		if lb.text != tt.text || tt.line[lb.restOff:] != tt.rest {
			t.Errorf("%s(%q) = %q, rest %q; want %q, rest %q", fn, tt.line, lb.text, tt.line[lb.restOff:], tt.text, tt.rest)
		}
	}
}

func TestLabelStyles(t *testing.T) {
	checkLabels(t, []labelCase{
		{"Sascha Hannig: China has increased", "Sascha Hannig", " China has increased"},
		{"INTERVIEWER: Good morning.", "INTERVIEWER", " Good morning."},
		{"**Eva Ruiz:** Why ports?", "Eva Ruiz", " Why ports?"},
		{"**Eva Ruiz**: Why ports?", "Eva Ruiz", " Why ports?"},
		{"__Eva Ruiz:__ Why ports?", "Eva Ruiz", " Why ports?"},
		{"*Eva Ruiz:* Why ports?", "Eva Ruiz", " Why ports?"},
		{"Ana Pérez (Host): Welcome.", "Ana Pérez (Host)", " Welcome."},
		{"Q: Where were you born?", "Q", " Where were you born?"},
		{"A: In Valparaíso.", "A", " In Valparaíso."},
		{"MR. SMITH: Good morning.", "MR. SMITH", " Good morning."},
		{"CHIEF JUSTICE ROBERTS: We will hear argument", "CHIEF JUSTICE ROBERTS", " We will hear argument"},
		{"Joaquín Sáez: ¿Cómo evalúa…?", "Joaquín Sáez", " ¿Cómo evalúa…?"},
		{"María de la Fuente: Sí.", "María de la Fuente", " Sí."},
		{"CAPTAIN O'NEILL: Thirty years.", "CAPTAIN O'NEILL", " Thirty years."},
		{"Speaker 2: Hello.", "Speaker 2", " Hello."},
		{"Joaquín Sáez:", "Joaquín Sáez", ""},
		{"   MR. LONG: indented", "MR. LONG", " indented"},
		// Not labels.
		{"The key lies in this: demanding transparency.", "", ""},
		{"Note: the figures are from 2023.", "", ""},
		{"NOTE: the figures are from 2023.", "", ""},
		{"In Chile: electric buses.", "", ""},
		{"First: advance transparency.", "", ""},
		{"https://example.org/page", "", ""},
		{"Meeting at 10:30 sharp.", "", ""},
		{"Re:Subject line", "", ""},
		{"**Important** note: read this.", "", ""},
		{"- Item: value", "", ""},
		{"he said: no", "", ""},
		{"Companies Like Huawei And ZTE And Hikvision Now: compete", "", ""},
		{"An Extremely Long Speaker Label That Goes On And On: text", "", ""},
		{"Ana Pérez (): Welcome.", "", ""},
		{"Ana Pérez, 2023, Santiago: Welcome.", "", ""},
		{"10 Downing Street: statement", "", ""},
	})
}

func TestFoldKey(t *testing.T) {
	same := [][]string{
		{"Joaquín Sáez", "Joaquin Sáez", "JOAQUÍN SÁEZ", "joaquin  saez", "Joaqui\u0301n Sa\u0301ez"},
		{"MR. O'NEILL", "Mr O’Neill", "mr oneill"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if foldKey(s) != foldKey(group[0]) {
				t.Errorf("foldKey(%q) = %q, foldKey(%q) = %q; want equal", s, foldKey(s), group[0], foldKey(group[0]))
			}
		}
	}
}

// speakers returns each turn's speaker, for compact comparisons.
func speakers(turns []Turn) string {
	var s []string
	for _, t := range turns {
		s = append(s, t.Speaker)
	}
	return strings.Join(s, " | ")
}

func TestTurns(t *testing.T) {
	tests := []struct {
		fixture  string
		speakers string
		texts    map[int]string // turn index → text
		lines    map[int]int    // turn index → line
	}{
		{
			fixture:  "plain.txt",
			speakers: "Luis Gómez | Ana Pérez | Luis Gómez | Ana Pérez | Luis Gómez",
			texts: map[int]string{
				1: "Mostly logistics. Ports matter more than tariffs now.\nThe key lies in this: whoever controls the ports controls the routes.\n\nNote: the figures I give are from 2023.",
				3: "China is the largest buyer of copper and soy.\n\nIt is also a lender, which changes the conversation.",
			},
			lines: map[int]int{0: 5, 1: 7, 4: 18},
		},
		{
			fixture:  "caps.txt",
			speakers: "MR. SMITH | CAPTAIN O'NEILL | MR. SMITH | CAPTAIN O'NEILL | MR. SMITH | CAPTAIN O'NEILL",
			texts:    map[int]string{3: "The size of the ships. They used to be a third of what they are.\n\nEverything else follows from that: cranes, dredging, the roads."},
		},
		{
			fixture:  "court.txt",
			speakers: "CHIEF JUSTICE ROBERTS | MR. CARTER | JUSTICE SCALIA | JUSTICE GINSBURG | MR. CARTER | CHIEF JUSTICE ROBERTS | GENERAL VERRILLI | JUSTICE SCALIA | GENERAL VERRILLI",
			texts:    map[int]string{1: "Mr. Chief Justice, and may it please the Court:\n\nThe statute does not reach this conduct."},
		},
		{
			fixture:  "bold.md",
			speakers: "Eva Ruiz | Tomás Núñez | Eva Ruiz | Tomás Núñez | Eva Ruiz | Tomás Núñez",
			texts: map[int]string{
				1: "Because *everything* passes through them.\n\nAbout 80% of trade by volume goes by sea.",
				3: "Increasingly, a handful of operators.\n\n**Note:** this applies to container terminals only.",
				4: "Last question: what comes next?",
			},
		},
		{
			fixture:  "bold_outside.md",
			speakers: "Interviewer | Marta Lind | Interviewer | Marta Lind",
			texts:    map[int]string{3: "I repair violins.\n\nIt is quiet work."},
		},
		{
			fixture:  "roles.txt",
			speakers: "Ana Pérez (Host) | Ana Pérez (Host) | Luis Gómez (Glaciologist) | Ana Pérez (Host) | Luis Gómez (Glaciologist)",
		},
		{
			fixture:  "qa.txt",
			speakers: "Q | A | Q | A | Q | A",
			texts:    map[int]string{3: "At twelve. My uncle gave me his brushes.\nHe said: \"use them or sell them\"."},
			lines:    map[int]int{0: 1, 1: 2, 3: 4, 4: 6},
		},
		{
			fixture:  "accents.txt",
			speakers: "Joaquín Sáez | Sascha Hannig | Joaquin Sáez | SASCHA HANNIG | Joaquín Saez | Sascha Hannig",
			texts:    map[int]string{0: "How do you assess the “digital silk road”?", 5: "Some: data centres in Chile and Brazil, and a cable or two."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			turns, err := Turns(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got := speakers(turns); got != tt.speakers {
				t.Errorf("speakers:\n got %s\nwant %s", got, tt.speakers)
			}
			for i, want := range tt.texts {
				if i >= len(turns) || turns[i].Text != want {
					t.Errorf("turn %d text = %q, want %q", i, turns[min(i, len(turns)-1)].Text, want)
				}
			}
			for i, want := range tt.lines {
				if i >= len(turns) || turns[i].Line != want {
					t.Errorf("turn %d line = %d, want %d", i, turns[min(i, len(turns)-1)].Line, want)
				}
			}
		})
	}
}

func TestTranscriptSections(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "plain.txt"), Options{Name: "plain.txt"})
		if len(doc.Intro) != 2 || doc.Intro[1] != "It has been lightly edited for length." {
			t.Errorf("intro = %q", doc.Intro)
		}
		// The closing "Thank you." has no answer and is dropped.
		if len(doc.Sections) != 2 {
			t.Fatalf("%d sections, want 2", len(doc.Sections))
		}
		s := doc.Sections[0]
		if s.Question != "What drives the new trade agreements in the region?" || s.Asker != "Luis Gómez" || s.Answerer != "Ana Pérez" {
			t.Errorf("section 1 = %+v", s)
		}
		if len(s.Paragraphs) != 2 || s.Paragraphs[1] != "Note: the figures I give are from 2023." {
			t.Errorf("section 1 paragraphs = %q", s.Paragraphs)
		}
		if doc.Meta.Interviewer != "Luis Gómez" || doc.Meta.Interviewee != "Ana Pérez" || doc.Meta.Title != "Plain" {
			t.Errorf("meta = %+v", doc.Meta)
		}
	})
	t.Run("consecutive asker turns form one question", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "roles.txt"), Options{})
		want := "Welcome. Our guest today studies glaciers.\n\nWhat are you measuring this season?"
		if doc.Sections[0].Question != want || doc.Sections[0].Asker != "Ana Pérez (Host)" || doc.Sections[0].Answerer != "Luis Gómez (Glaciologist)" {
			t.Errorf("section 1 = %+v", doc.Sections[0])
		}
		if doc.Meta.Interviewer != "Ana Pérez" || doc.Meta.Interviewee != "Luis Gómez" {
			t.Errorf("meta = %+v", doc.Meta)
		}
	})
	t.Run("court: justices ask, several askers and answerers", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "court.txt"), Options{})
		if len(doc.Sections) != 4 {
			t.Fatalf("%d sections, want 4: %+v", len(doc.Sections), doc.Sections)
		}
		s := doc.Sections[1]
		if s.Asker != "JUSTICE SCALIA" || s.Answerer != "MR. CARTER" ||
			s.Question != "Why not? The text says \"any person.\"\n\nAnd the legislative history points the same way, doesn't it?" {
			t.Errorf("section 2 = %+v", s)
		}
		if doc.Meta.Interviewee != "MR. CARTER, GENERAL VERRILLI" {
			t.Errorf("interviewee = %q", doc.Meta.Interviewee)
		}
	})
	t.Run("Q and A labels leave the metadata alone", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "qa.txt"), Options{})
		if len(doc.Sections) != 3 || doc.Meta.Interviewer != "" || doc.Meta.Interviewee != "" {
			t.Errorf("sections %d, meta %+v", len(doc.Sections), doc.Meta)
		}
	})
	t.Run("accent-varying labels are one speaker", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "accents.txt"), Options{})
		if len(doc.Sections) != 3 {
			t.Fatalf("%d sections, want 3", len(doc.Sections))
		}
		if doc.Sections[1].Asker != "Joaquin Sáez" || doc.Sections[1].Answerer != "SASCHA HANNIG" {
			t.Errorf("section 2 = %+v", doc.Sections[1])
		}
		if doc.Meta.Interviewer != "Joaquín Sáez" || doc.Meta.Interviewee != "Sascha Hannig" {
			t.Errorf("meta = %+v", doc.Meta)
		}
	})
	t.Run("interviewer option decides who asks", func(t *testing.T) {
		doc := mustParse(t, readFixture(t, "plain.txt"), Options{Meta: document.Metadata{Interviewer: "ANA PEREZ"}})
		if doc.Sections[0].Asker != "Ana Pérez" || doc.Sections[0].Answerer != "Luis Gómez" {
			t.Errorf("section 1 = %+v", doc.Sections[0])
		}
		if doc.Meta.Interviewer != "ANA PEREZ" || doc.Meta.Interviewee != "Luis Gómez" {
			t.Errorf("meta = %+v", doc.Meta)
		}
	})
	t.Run("interviewer matched by surname", func(t *testing.T) {
		in := "GÓMEZ: Is it true?\n\nPÉREZ: It is.\n\nGÓMEZ: Are you sure?\n\nPÉREZ: Quite.\n"
		// Without metadata the '?' heuristic agrees; with it reversed, the metadata wins.
		doc := mustParse(t, []byte(in), Options{Meta: document.Metadata{Interviewer: "Ana Pérez"}})
		if doc.Sections[0].Asker != "PÉREZ" || doc.Sections[0].Question != "It is." {
			t.Errorf("section 1 = %+v", doc.Sections[0])
		}
		doc = mustParse(t, []byte(in), Options{Meta: document.Metadata{Interviewer: "Luis Gomez"}})
		if doc.Sections[0].Asker != "GÓMEZ" || doc.Sections[0].Answerer != "PÉREZ" {
			t.Errorf("section 1 = %+v", doc.Sections[0])
		}
	})
	t.Run("interviewee option: everyone else asks", func(t *testing.T) {
		in := "Host: Welcome, both.\n\nGuest One: Thanks.\n\nHost: How did it start?\n\nGuest One: Slowly.\n"
		doc := mustParse(t, []byte(in), Options{Meta: document.Metadata{Interviewee: "Guest One"}})
		if len(doc.Sections) != 2 || doc.Sections[0].Asker != "Host" {
			t.Errorf("sections = %+v", doc.Sections)
		}
	})
	t.Run("answers before the first question join the introduction", func(t *testing.T) {
		in := "A: Let me start with a statement.\n\nQ: Why?\n\nA: Because.\n"
		doc := mustParse(t, []byte(in), Options{})
		if len(doc.Intro) != 1 || doc.Intro[0] != "A: Let me start with a statement." || len(doc.Sections) != 1 {
			t.Errorf("intro %q, sections %+v", doc.Intro, doc.Sections)
		}
	})
	t.Run("metadata vouches for a speaker who speaks once", func(t *testing.T) {
		in := "Lena Ortiz: Why glaciers?\n\nMarco Rossi: Because they are disappearing.\n"
		if _, err := Parse([]byte(in), Options{}); err == nil {
			t.Error("labels that occur once and are not in the metadata should not be turns")
		}
		doc := mustParse(t, []byte(in), Options{Format: Transcript, Meta: document.Metadata{Interviewer: "Lena Ortiz", Interviewee: "Marco Rossi"}})
		if len(doc.Sections) != 1 || doc.Sections[0].Paragraphs[0] != "Because they are disappearing." {
			t.Errorf("sections = %+v", doc.Sections)
		}
	})
	t.Run("recurring prose colons in another style are text", func(t *testing.T) {
		in := "**Eva:** Why?\n\n**Tom:** Because.\n\nChile: buses.\n\n**Eva:** And then?\n\n**Tom:** Then more.\n\nChile: trains.\n\n**Eva:** Done?\n\n**Tom:** Done.\n"
		turns, err := Turns([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := speakers(turns); got != "Eva | Tom | Eva | Tom | Eva | Tom" {
			t.Errorf("speakers = %s", got)
		}
		if turns[1].Text != "Because.\n\nChile: buses." {
			t.Errorf("turn 2 = %q", turns[1].Text)
		}
	})
}

func TestPDFTextLayout(t *testing.T) {
	// A miniature of the pdftotext -layout output of a court transcript.
	page := func(n int, lines ...string) string {
		var b strings.Builder
		b.WriteString("\f                 Official - Subject to Final Review\n\n\n")
		for i := 0; i < 25; i++ {
			text := ""
			if i < len(lines) {
				text = lines[i]
			}
			if text == "" {
				b.WriteString(strings.TrimRight(padNum(i+1), " ") + "\n\n")
			} else {
				b.WriteString(padNum(i+1) + text + "\n\n")
			}
		}
		b.WriteString("                              " + string(rune('0'+n)) + "\n\n")
		b.WriteString("                 Alderson Reporting Company\n")
		return b.String()
	}
	in := page(1,
		"              P R O C E E D I N G S",
		"              JUSTICE KAGAN:        Is the penalty a",
		"tax?",
		"              MR. LONG:     It is, Justice Kagan.    The",
		"text says so.",
		"              And the history agrees.",
		"              JUSTICE KAGAN:    Why, then, call it a",
	) + page(2,
		"penalty?",
		"              MR. LONG:     Congress chose the word.",
		"              (Whereupon, at 11:41 a.m., the case in the",
		"above-entitled matter was submitted.)",
	) + "\f   Index\n  4 78:10   penalty 3:4,5\n  tax 3:2\n"
	turns, err := Turns([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Turn{
		{"JUSTICE KAGAN", "Is the penalty a tax?", 6},
		{"MR. LONG", "It is, Justice Kagan. The text says so.\n\nAnd the history agrees.", 10},
		{"JUSTICE KAGAN", "Why, then, call it a penalty?", 16},
		{"MR. LONG", "Congress chose the word.", 62},
	}
	if len(turns) != len(want) {
		t.Fatalf("turns = %+v", turns)
	}
	for i := range want {
		if turns[i] != want[i] {
			t.Errorf("turn %d = %+v, want %+v", i, turns[i], want[i])
		}
	}
}

func padNum(n int) string {
	if n < 10 {
		return " " + string(rune('0'+n)) + "  "
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10)) + "  "
}

func TestMarkdown(t *testing.T) {
	doc := mustParse(t, readFixture(t, "article.md"), Options{Name: "article.md"})
	if doc.Meta.Title != "Questions about vaccines" {
		t.Errorf("title = %q", doc.Meta.Title)
	}
	if len(doc.Intro) != 1 || doc.Intro[0] != "Answers from Dr. Lena Ortiz, edited for clarity." {
		t.Errorf("intro = %q", doc.Intro)
	}
	var questions []string
	for _, s := range doc.Sections {
		questions = append(questions, s.Question)
		if s.Answerer != "Dr. Lena Ortiz" {
			t.Errorf("answerer = %q", s.Answerer)
		}
	}
	if got := strings.Join(questions, " | "); got != "Is the vaccine safe? | How does it work? | Who should get it first?" {
		t.Errorf("questions = %s", got)
	}
	if p := doc.Sections[0].Paragraphs; len(p) != 2 || p[0] != "Yes. It went through *three* phases of trials." {
		t.Errorf("section 1 paragraphs = %q", p)
	}
	if p := doc.Sections[1].Paragraphs; len(p) != 2 || p[1] != "```\nprotein -> antibodies\n\nmemory cells\n```" {
		t.Errorf("section 2 paragraphs = %q", p)
	}
	if p := doc.Sections[2].Paragraphs; len(p) != 3 || p[1] != "#### A note on supply" {
		t.Errorf("section 3 paragraphs = %q", p)
	}

	t.Run("several H1s are all questions", func(t *testing.T) {
		doc := mustParse(t, []byte("# One?\n\nFirst.\n\n# Two?\n\nSecond.\n"), Options{Name: "x.md"})
		if len(doc.Sections) != 2 || doc.Meta.Title != "X" {
			t.Errorf("sections %d, title %q", len(doc.Sections), doc.Meta.Title)
		}
	})
	t.Run("a lone H1 with an answer is a question", func(t *testing.T) {
		doc := mustParse(t, []byte("# Why?\n\nBecause.\n"), Options{Format: Markdown})
		if len(doc.Sections) != 1 || doc.Sections[0].Question != "Why?" || doc.Meta.Title != "Untitled document" {
			t.Errorf("doc = %+v", doc)
		}
	})
	t.Run("bold Q and A labels in a .md make a transcript", func(t *testing.T) {
		in := "# Talk\n\n## Part one\n\n**Q:** Why?\n\n**A:** Because *so*.\n\n**Q:** Sure?\n\n**A:** Yes.\n"
		doc, format, err := ParseFormatted([]byte(in), Options{Name: "talk.md"})
		if err != nil || format != Transcript {
			t.Fatalf("format = %q, %v", format, err)
		}
		if doc.Meta.Title != "Talk" || len(doc.Sections) != 2 || doc.Sections[0].Paragraphs[0] != "Because *so*." || doc.Sections[0].Asker != "Q" {
			t.Errorf("doc = %+v", doc)
		}
	})
	t.Run("speaker labels in a .md make a transcript", func(t *testing.T) {
		_, format, err := ParseFormatted(readFixture(t, "bold.md"), Options{Name: "bold.md"})
		if err != nil || format != Transcript {
			t.Errorf("format = %q, %v", format, err)
		}
		doc := mustParse(t, readFixture(t, "bold.md"), Options{Name: "bold.md"})
		if doc.Meta.Title != "Ports and Power: A Conversation" || len(doc.Intro) != 1 || doc.Intro[0] != "*Recorded for the Harbour Review.*" {
			t.Errorf("title %q, intro %q", doc.Meta.Title, doc.Intro)
		}
	})
}

func TestFAQ(t *testing.T) {
	for _, name := range []string{"faq.jsonl", "faq.csv"} {
		t.Run(name, func(t *testing.T) {
			doc := mustParse(t, readFixture(t, name), Options{Name: name})
			if len(doc.Sections) != 2 {
				t.Fatalf("%d sections, want 2", len(doc.Sections))
			}
			s := doc.Sections[0]
			if s.Question != "What is Verbatim?" || len(s.Paragraphs) != 2 || s.Paragraphs[1] != "It never rewords them." {
				t.Errorf("section 1 = %+v", s)
			}
			if doc.Meta.Title != "Faq" {
				t.Errorf("title = %q", doc.Meta.Title)
			}
		})
	}
	t.Run("semicolon CSV with q/a columns, detected from content", func(t *testing.T) {
		doc, format, err := ParseFormatted([]byte("Q;A\nWhy?;Because.\n"), Options{})
		if err != nil || format != FAQCSV || doc.Sections[0].Paragraphs[0] != "Because." {
			t.Errorf("format %q, doc %+v, err %v", format, doc, err)
		}
	})
	t.Run("JSONL detected from content", func(t *testing.T) {
		_, format, err := ParseFormatted([]byte(`{"question":"a?","answer":"b"}`), Options{Name: "faq.txt"})
		if err != nil || format != FAQJSONL {
			t.Errorf("format %q, err %v", format, err)
		}
	})
}

func TestMetadata(t *testing.T) {
	fm := "---\ntitle: \"Front: matter\"\nurl: https://example.org/a?b=c:d\nlang: es-CL\ninterviewer: Ana\nformat: transcript\ndate: 2024-05-01\npublisher: Ex\n---\nAna: ¿Por qué?\n\nLuis: Porque sí.\n\nAna: ¿Seguro?\n\nLuis: Sí.\n"
	t.Run("front matter", func(t *testing.T) {
		doc := mustParse(t, []byte(fm), Options{Name: "file.txt"})
		want := document.Metadata{Title: "Front: matter", SourceURL: "https://example.org/a?b=c:d", Publisher: "Ex", Date: "2024-05-01", Language: "es", Interviewer: "Ana", Interviewee: "Luis"}
		if doc.Meta != want {
			t.Errorf("meta = %+v\nwant   %+v", doc.Meta, want)
		}
	})
	t.Run("options override front matter", func(t *testing.T) {
		doc := mustParse(t, []byte(fm), Options{Meta: document.Metadata{Title: "Option title", SourceURL: "http://example.com/x", Language: "EN"}})
		if doc.Meta.Title != "Option title" || doc.Meta.SourceURL != "http://example.com/x" || doc.Meta.Language != "en" || doc.Meta.Date != "2024-05-01" {
			t.Errorf("meta = %+v", doc.Meta)
		}
	})
	t.Run("options.Format overrides front matter format", func(t *testing.T) {
		_, err := Parse([]byte(fm), Options{Format: FAQJSONL})
		if err == nil || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("err = %v", err)
		}
	})
	titles := []struct {
		name, want string
	}{
		{"interviews/2024_hannig-interview.v2.txt", "2024 hannig interview v2"},
		{`C:\Users\me\ports and power.md`, "Ports and power"},
		{"", "Untitled document"},
		{".txt", "Txt"},
	}
	for _, tt := range titles {
		doc := mustParse(t, []byte("Q: Why?\n\nA: Because.\n"), Options{Name: tt.name})
		if doc.Meta.Title != tt.want {
			t.Errorf("title from name %q = %q, want %q", tt.name, doc.Meta.Title, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct{ text, want string }{
		{"China has increased its technology transfer efforts in the region in recent years.", "en"},
		{"China ha aumentado sus esfuerzos de transferencia tecnológica en la región durante los últimos años.", "es"},
		{"¿Qué opinas de la tecnología?", "es"},
		{"", "en"},
		{"Sí.", "en"},
		{"Interview with María de la Fuente about the trade in copper and the ports of Chile", "en"},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.text); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	doc := mustParse(t, readFixture(t, "spanish.txt"), Options{})
	if doc.Meta.Language != "es" {
		t.Errorf("spanish.txt language = %q", doc.Meta.Language)
	}
}

func TestParseFormat(t *testing.T) {
	tests := map[string]Format{
		"": Auto, "auto": Auto, " AUTO ": Auto, "transcript": Transcript, "txt": Transcript, ".txt": Transcript,
		"markdown": Markdown, "md": Markdown, "jsonl": FAQJSONL, "ndjson": FAQJSONL, "CSV": FAQCSV,
	}
	for in, want := range tests {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseFormat("docx")
	if !errors.Is(err, document.ErrInvalid) {
		t.Errorf("ParseFormat(docx) error = %v, want ErrInvalid", err)
	}
}

func TestErrors(t *testing.T) {
	big := bytes.Repeat([]byte("Q: x\n"), maxSize/5+1)
	tests := []struct {
		name string
		in   string
		opt  Options
		line int
		want string // substring of the reason
	}{
		{"empty", "", Options{}, 0, "empty"},
		{"blank", " \n\t\r\n\n", Options{}, 0, "empty"},
		{"BOM only", "\xef\xbb\xbf\n", Options{}, 0, "empty"},
		{"too big", string(big), Options{}, 0, "limit is 4 MiB"},
		{"NUL", "Q: a\nA: b\x00\n", Options{}, 2, "NUL"},
		{"invalid UTF-8", "Q: a\n\nA: b\n\xff\xfe caf\xe9\n", Options{}, 4, "invalid UTF-8"},
		{"invalid UTF-8 after CRLF", "Q: a\r\nA: b\r\n\xe9\r\n", Options{}, 3, "invalid UTF-8"},
		{"invalid UTF-8 after lone CR", "Q: a\rA: b\r\xe9\r", Options{}, 3, "invalid UTF-8"},
		{"control character", "Q: a\n\nA: b\x1b[0m\n", Options{}, 3, "control character U+001B"},
		{"control characters everywhere", "Q: a\n\nA: \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\n", Options{}, 3, "looks like a binary file"},
		{"PDF", "%PDF-1.7\n...", Options{}, 0, "PDF"},
		{"HTML doctype", "\n<!DOCTYPE html>\n<html><body>Q: a</body></html>", Options{}, 0, "HTML"},
		{"HTML tag", "<html lang=en>\nQ: a\nA: b", Options{}, 0, "HTML"},
		{"HTML after comment", "<!-- saved page -->\n<HTML>\n", Options{}, 0, "HTML"},
		{"front matter not closed", "---\ntitle: x\n\nQ: a\n", Options{}, 1, "no closing"},
		{"UTF-16", "\xff\xfeQ\x00:\x00 \x00W\x00h\x00y\x00?\x00", Options{}, 0, "saved as UTF-16"},
		{"front matter key that is no key", "---\ntitle: x\nJane Doe: y\n---\nQ: a\n", Options{}, 3, `"Jane Doe" is not a front-matter key`},
		{"front matter unclosed quote", "---\ntitle: \"Unclosed\n---\n", Options{}, 2, `quoted value of "title" does not close`},
		{"front matter malformed", "---\ntitle: x\njust words\n---\n", Options{}, 3, `expected "key: value"`},
		{"front matter duplicate", "---\nsource: http://a.org\nurl: http://b.org\n---\n", Options{}, 3, "already set on line 2"},
		{"front matter bad source", "\xef\xbb\xbf---\r\ntitle: x\r\nsource: ftp://example.org/x\r\n---\r\n", Options{}, 3, "not an absolute http(s) URL"},
		{"front matter relative source", "---\nsource: /post/1\n---\n", Options{}, 2, "not an absolute http(s) URL"},
		{"front matter bad language", "---\nlanguage: Klingon!\n---\n", Options{}, 2, "not a language code"},
		{"front matter bad format", "---\n\nformat: docx\n---\n", Options{}, 3, `unknown format "docx"`},
		{"option bad source", "Q: a\n\nA: b\n", Options{Meta: document.Metadata{SourceURL: "example.org"}}, 0, "not an absolute http(s) URL"},
		{"option bad language", "Q: a\n\nA: b\n", Options{Meta: document.Metadata{Language: "12"}}, 0, "not a language code"},
		{"option bad format", "Q: a\n\nA: b\n", Options{Format: "docx"}, 0, "unknown format"},
		{"nothing recognisable", "Just some prose.\n\nMore prose: with a colon.\n", Options{}, 0, noTurnsMsg},
		{"transcript without turns", "# Heading\n\nText.\n", Options{Format: Transcript}, 0, noTurnsMsg},
		{"one speaker", "Ana: one.\n\nAna: two?\n", Options{Format: Transcript}, 0, "only one speaker"},
		{"one speaker, detected", "Ana: one.\n\nAna: two?\n", Options{}, 0, noTurnsMsg},
		{"question never answered", "Q: one?\n\nQ: two?\n\nA:\n", Options{Format: Transcript}, 0, "no answered questions"},
		{"markdown without headings", "Text.\n", Options{Format: Markdown}, 0, noHeadingsMsg},
		{"markdown headings without answers", "# A\n## B\n", Options{Name: "a.md"}, 0, "no answer under any"},
		{"jsonl bad line", "---\ntitle: FAQ\n---\n{\"question\":\"a\",\"answer\":\"b\"}\n\n{\"question\": \"a\",\n", Options{Name: "f.jsonl"}, 6, "expected a JSON object"},
		{"jsonl not an object", "{\"question\":\"a\",\"answer\":\"b\"}\n42\n", Options{Format: FAQJSONL}, 2, "found a JSON number"},
		{"jsonl null", "null\n", Options{Format: FAQJSONL}, 1, "found null"},
		{"jsonl missing answer", "{\"question\":\"a\"}\n", Options{Name: "f.ndjson"}, 1, `missing "answer"`},
		{"jsonl answer not a string", "{\"question\":\"a\",\"answer\":[\"b\"]}\n", Options{Name: "f.jsonl"}, 1, `"answer" must be a string`},
		{"jsonl empty question", "\n{\"question\":\" \",\"answer\":\"b\"}\n", Options{Name: "f.jsonl"}, 2, `"question" is empty`},
		{"jsonl only blank lines", "---\ntitle: x\n---\n\n", Options{Format: FAQJSONL}, 0, noJSONLMsg},
		{"csv missing columns", "---\ntitle: x\n---\nprompt,reply\na,b\n", Options{Name: "f.csv"}, 4, `must name a "question" and an "answer" column; found "prompt", "reply"`},
		{"csv bare quote", "question,answer\na,b\nc,d\"e\n", Options{Name: "f.csv"}, 3, "bare \""},
		{"csv unclosed quote", "question,answer\na,\"b\n\nc\n", Options{Name: "f.csv"}, 2, "extraneous or missing"},
		{"csv empty answer", "question,answer\r\na,b\r\nc,\r\n", Options{Name: "f.csv"}, 3, "the answer is empty"},
		{"csv empty question", "question,answer\na,b\n\n,d\n", Options{Name: "f.csv"}, 4, "the question is empty"},
		{"csv short row", "id,question,answer\n1,a,b\n2,c\n", Options{Name: "f.csv"}, 3, "expected at least 3 fields"},
		{"csv header only", "question,answer\n", Options{Name: "f.csv"}, 0, noCSVMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if !errors.Is(err, document.ErrInvalid) {
				t.Errorf("error %v does not satisfy errors.Is(err, document.ErrInvalid)", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Reason, tt.want) {
				t.Errorf("error = %q (line %d), want line %d and a reason containing %q", err, pe.Line, tt.line, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got := (&Error{Line: 12, Reason: "bad"}).Error(); got != "line 12: bad" {
		t.Errorf("got %q", got)
	}
	if got := (&Error{Reason: "bad"}).Error(); got != "bad" {
		t.Errorf("got %q", got)
	}
}

func TestTurnsErrors(t *testing.T) {
	if _, err := Turns([]byte("just prose\n")); !errors.Is(err, document.ErrInvalid) {
		t.Errorf("Turns(prose) error = %v", err)
	}
	if _, err := Turns(nil); !errors.Is(err, document.ErrInvalid) {
		t.Errorf("Turns(nil) error = %v", err)
	}
}
