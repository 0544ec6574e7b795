package seeds

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestDocuments(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("%d seed documents", len(docs))
	}
	d := docs[0]
	if d.ID != "spcis-china-latin-america-technology" || len(d.Sections) != 6 || len(d.Intro) != 1 {
		t.Fatalf("seed %q: %d sections, %d intro paragraphs", d.ID, len(d.Sections), len(d.Intro))
	}
	if d.Meta.Title != "China-Latin America Technological Cooperation: Soft Power and Sustainability" ||
		d.Meta.Interviewer != "Joaquín Sáez" || d.Meta.Interviewee != "Sascha Hannig" || d.Meta.Language != "en" {
		t.Errorf("metadata %+v", d.Meta)
	}
	for _, s := range d.Sections {
		if s.Asker != "Joaquín Sáez" || s.Answerer != "Sascha Hannig" {
			t.Errorf("section %q: asker %q answerer %q", s.Question, s.Asker, s.Answerer)
		}
		for _, chrome := range []string{"top of page", "ree", "mailing list", "Comments", "©"} {
			if strings.TrimSpace(s.Answer()) == chrome || strings.Contains(s.Answer(), "mailing list") {
				t.Errorf("page chrome %q left in %q", chrome, s.Question)
			}
		}
	}
}

func TestLoadRejectsSeedWithoutMetadata(t *testing.T) {
	fsys := fstest.MapFS{"x.txt": {Data: []byte("---\ntitle: T\n---\n\nQ: Why?\n\nA: Because.\n\nQ: How?\n\nA: So.\n")}}
	if _, err := load(fsys); err == nil || !strings.Contains(err.Error(), "source") {
		t.Fatalf("err = %v", err)
	}
}
