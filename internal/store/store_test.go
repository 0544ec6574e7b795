package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/document"
)

func record(id, original string) *Record {
	return &Record{ID: id, Server: "42", Name: "a.txt", Format: "transcript", SHA256: Hash([]byte(original)),
		Added: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Original: original,
		Document: document.Document{ID: id, Server: "42", Meta: document.Metadata{Title: "T", Language: "en"},
			Sections: []document.Section{{Question: "Why?", Asker: "Q", Answerer: "A", Paragraphs: []string{"Because."}}}}}
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "documents"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"a": true, "spcis-china-2": true, "x1-y2-z3": true,
		"": false, "-a": false, "a-": false, "a--b": false, "A": false, "../x": false, "a/b": false,
		".lock": false, "a.json": false, "é": false, "a b": false, strings.Repeat("a", 57): false, "..": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestNewID(t *testing.T) {
	long := strings.Repeat("Interview with the harbour master ", 5)
	for _, tt := range []struct {
		title string
		taken []string
		want  string
	}{
		{"China–Latin America: Soft Power & Sustainability", nil, "china-latin-america-soft-power-sustainability"},
		{"Entrevista con Joaquín Sáez, ¿qué pasó?", nil, "entrevista-con-joaquin-saez-que-paso"},
		{"¿¡!?", nil, "document"},
		{"东京", nil, "document"},
		{"Harbour", []string{"harbour"}, "harbour-2"},
		{"Harbour", []string{"harbour", "harbour-2"}, "harbour-3"},
		{long, nil, "interview-with-the-harbour-master-interview-with"},
		{long, []string{"interview-with-the-harbour-master-interview-with"}, "interview-with-the-harbour-master-interview-2"},
	} {
		taken := map[string]bool{}
		for _, id := range tt.taken {
			taken[id] = true
		}
		got := NewID(tt.title, func(id string) bool { return taken[id] })
		if got != tt.want || !ValidID(got) || len(got) > MaxIDLen {
			t.Errorf("NewID(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestCreateGetRemove(t *testing.T) {
	s := openStore(t)
	v0, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	r := record("harbour", "Q: Why?\n\nA: Because.\n")
	if _, err := s.Create(r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(r); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v", err)
	}
	got, err := s.Get("harbour")
	if err != nil || got.Original != r.Original || got.Document.Sections[0].Paragraphs[0] != "Because." || !got.Added.Equal(r.Added) {
		t.Fatalf("get: %v %+v", err, got)
	}
	v1, _ := s.Version()
	if v1 == v0 {
		t.Error("version unchanged by create")
	}
	if err := s.Remove("harbour"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("harbour"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after remove: %v", err)
	}
	if err := s.Remove("harbour"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if v2, _ := s.Version(); v2 != v0 {
		t.Error("version of the empty store changed")
	}
}

func TestHostileIDs(t *testing.T) {
	s := openStore(t)
	outside := filepath.Join(filepath.Dir(s.Dir()), "x.json")
	if err := os.WriteFile(outside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../x", "..", "/etc/passwd", "x/../../x", ".lock", ""} {
		if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v", id, err)
		}
		if err := s.Remove(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%q) = %v", id, err)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the store went: %v", err)
	}
	bad := record("../x", "Q: Why?\n")
	if _, err := s.Create(bad); err == nil {
		t.Error("created a record with a hostile id")
	}
}

func TestDamagedAndLeftovers(t *testing.T) {
	s := openStore(t)
	good := record("good", "Q: Why?\n\nA: Because.\n")
	if _, err := s.Create(good); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(s.Dir(), name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := record("other", "Q: Why?\n\nA: Because.\n")
	tampered := *record("tampered", "Q: Why?\n\nA: Because.\n")
	tampered.Original = "changed"
	for name, content := range map[string]string{
		"truncated.json": `{"id":"truncated","server":"`,
		"empty.json":     ``,
		"wrongid.json":   mustJSON(t, other),
		"tampered.json":  mustJSON(t, &tampered),
	} {
		write(name, content)
	}
	write(".tmp-crashed-123", `{"id":"crashed"}`)
	write("README", "not a document")

	states, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range states {
		ids = append(ids, st.ID)
	}
	if strings.Join(ids, ",") != "empty,good,tampered,truncated,wrongid" {
		t.Errorf("list = %v", ids)
	}
	for _, id := range []string{"truncated", "empty", "wrongid", "tampered"} {
		if _, err := s.Get(id); !errors.Is(err, ErrDamaged) {
			t.Errorf("Get(%s) = %v, want ErrDamaged", id, err)
		}
	}
	if _, err := s.Get("good"); err != nil {
		t.Error(err)
	}
	// Reopening cleans the crash's temporary file and nothing else.
	s2, err := Open(context.Background(), s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s2.Dir(), ".tmp-crashed-123")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temp file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s2.Dir(), "README")); err != nil {
		t.Error(err)
	}
}

func mustJSON(t *testing.T, r *Record) string {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestLockIsExclusive(t *testing.T) {
	s := openStore(t)
	unlock, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	unlock2, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}
