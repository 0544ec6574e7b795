package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDocuments(t *testing.T) {
	docs, err := LoadDocuments("../../evalsets/es")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].ID != "litio-america-latina" || docs[0].Meta.Language != "es" || len(docs[0].Sections) != 13 {
		t.Fatalf("the Spanish set's documents: %d, first %+v", len(docs), docs[0].Meta)
	}

	// A set without a documents folder brings none, and so does no set.
	for _, dir := range []string{"../../evalsets/seeds", ""} {
		if docs, err := LoadDocuments(dir); err != nil || docs != nil {
			t.Errorf("%q: %d documents, %v", dir, len(docs), err)
		}
	}

	// A file that is not a transcript is an error naming it.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "documents"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "documents", "notes.txt")
	if err := os.WriteFile(bad, []byte("just a line of notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDocuments(dir); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a file with no turns: %v", err)
	}
}
