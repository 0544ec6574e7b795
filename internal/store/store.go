// Package store keeps the documents moderators add, the source of truth of
// the corpus: one JSON file per document under a directory, holding the
// upload exactly as received, what was parsed from it and where it came
// from. Every write is atomic and durable (temporary file, fsync, rename,
// fsync of the directory), so a crash at any moment leaves either the old
// state or the new one, never half a document. The index is derived from
// the store and can always be rebuilt from it.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/fold"
)

// Errors the store returns, wrapped.
var (
	ErrNotFound = errors.New("no such document")
	ErrExists   = errors.New("a document with this id already exists")
	ErrDamaged  = errors.New("damaged document file")
	ErrBusy     = errors.New("the document store is locked by another process")
)

// MaxIDLen is the longest id NewID makes.
const MaxIDLen = 48

const (
	ext        = ".json"
	tempPrefix = ".tmp-"
	lockName   = ".lock"
)

// Record is one stored document.
type Record struct {
	ID       string            `json:"id"`
	Server   string            `json:"server"`   // owning Discord server; "" for everywhere
	Name     string            `json:"name"`     // file name as uploaded
	Format   string            `json:"format"`   // format it was parsed as
	SHA256   string            `json:"sha256"`   // of Original, hex
	Added    time.Time         `json:"added"`    // when it was accepted
	Original string            `json:"original"` // the upload, byte for byte (validated UTF-8)
	Document document.Document `json:"document"` // what was parsed from it
}

// Hash returns the hex SHA-256 of data, as kept in Record.SHA256; it
// cannot fail.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// FileState is what a listing tells about one document file without
// reading it; a change in it means the file changed.
type FileState struct {
	ID    string
	Size  int64
	MTime time.Time
}

// Store is a directory of document files. Several processes may use the
// same directory: Lock serialises their changes. A Store holds no open
// files between calls.
type Store struct {
	dir string
	mu  sync.Mutex // Lock where there is no file locking

	// Hook, when set, is called with the name of each step of Create and
	// Remove as it is reached ("create:before-temp", "create:temp-written",
	// "create:temp-synced", "create:renamed", "create:dir-synced",
	// "remove:before-unlink", "remove:unlinked", "remove:dir-synced"). Crash
	// tests use it to stop the process at that moment.
	Hook func(step string)
}

// Open opens the store in dir, creating the directory if needed, and
// removes the temporary files a crash left behind. It returns ErrBusy
// (wrapped) when another process holds the store's lock past ctx, and
// other errors for a directory it cannot create or read.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create document store %s: %w", dir, err)
	}
	s := &Store{dir: dir}
	unlock, err := s.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read document store %s: %w", dir, err)
	}
	for _, e := range ents {
		// Under the lock no writer is between its temp file and its
		// rename, so every temp file is a crash's leftover.
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("remove leftover %s: %w", e.Name(), err)
			}
		}
	}
	return s, nil
}

// Dir is the store's directory; it cannot fail.
func (s *Store) Dir() string { return s.dir }

func (s *Store) hook(step string) {
	if s.Hook != nil {
		s.Hook(step)
	}
}

// ValidID reports whether id can name a stored document: lowercase ASCII
// letters and digits in groups joined by single hyphens, at most
// MaxIDLen+8 bytes. Such an id is always a safe file name.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen+8 || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && id[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// Slug turns a title into an id: accents folded, lowercase ASCII letters
// and digits, other runs of characters as one hyphen, at most max bytes,
// "document" when nothing is left.
func Slug(title string, max int) string {
	var b strings.Builder
	hyphen := false
	for _, r := range fold.Lower(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > max {
		cut := s[:max]
		// Prefer to end at a word boundary.
		if s[max] != '-' {
			if i := strings.LastIndexByte(cut, '-'); i > max/2 {
				cut = cut[:i]
			}
		}
		s = strings.TrimRight(cut, "-")
	}
	if s == "" {
		s = "document"
		if len(s) > max {
			s = s[:max]
		}
	}
	return s
}

// NewID returns an id for a document with this title that taken does not
// report: the title's slug, then the slug with "-2", "-3"… Every id it
// returns is ValidID and at most MaxIDLen bytes.
func NewID(title string, taken func(id string) bool) string {
	base := Slug(title, MaxIDLen)
	if !taken(base) {
		return base
	}
	for n := 2; ; n++ {
		suffix := fmt.Sprintf("-%d", n)
		id := Slug(title, MaxIDLen-len(suffix)) + suffix
		if !taken(id) {
			return id
		}
	}
}

func (s *Store) path(id string) string { return filepath.Join(s.dir, id+ext) }

// List returns the state of every document file, ordered by id. Files
// that are not documents (temporary files, the lock) are left out. It
// returns an error only when the directory cannot be read.
func (s *Store) List() ([]FileState, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list document store %s: %w", s.dir, err)
	}
	out := make([]FileState, 0, len(ents))
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ext)
		if !ok || !ValidID(id) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("list document store %s: %w", s.dir, err)
		}
		out = append(out, FileState{ID: id, Size: info.Size(), MTime: info.ModTime()})
	}
	slices.SortFunc(out, func(a, b FileState) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Version is a fingerprint of the document files (names, sizes and
// modification times): it changes whenever a document is added, replaced
// or removed, by this process or another. It reads no file.
func (s *Store) Version() (string, error) {
	states, err := s.List()
	if err != nil {
		return "", err
	}
	return Fingerprint(states), nil
}

// Fingerprint is Version computed from a listing; it cannot fail.
func Fingerprint(states []FileState) string {
	h := sha256.New()
	for _, st := range states {
		fmt.Fprintf(h, "%s %d %d\n", st.ID, st.Size, st.MTime.UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// Get reads one document. It returns ErrNotFound (wrapped) for an id that
// is not ValidID or has no file, and ErrDamaged (wrapped, saying what is
// wrong) for a file that is not a whole, consistent record.
func (s *Store) Get(id string) (*Record, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("document %q: %w", id, ErrNotFound)
	}
	data, err := os.ReadFile(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("document %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrDamaged, id+ext, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrDamaged, id+ext, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("%w %s: it holds document %q", ErrDamaged, id+ext, r.ID)
	}
	return &r, nil
}

// check reports what makes r unfit to store or load.
func (r *Record) check() error {
	switch {
	case !ValidID(r.ID):
		return fmt.Errorf("invalid id %q", r.ID)
	case r.Document.ID != r.ID:
		return fmt.Errorf("document id %q differs from record id %q", r.Document.ID, r.ID)
	case r.Document.Server != r.Server:
		return fmt.Errorf("document server %q differs from record server %q", r.Document.Server, r.Server)
	case Hash([]byte(r.Original)) != r.SHA256:
		return errors.New("the original does not match its SHA-256")
	}
	return r.Document.Validate()
}

// Create stores a new document atomically and durably: when it returns
// nil the document survives a crash; when the process dies before, the
// store is as it was. It returns ErrExists (wrapped) when r.ID is taken,
// and an error for a record that is not consistent (see Get) or a write
// that fails. The caller should hold Lock so that ids are not raced.
func (s *Store) Create(r *Record) (FileState, error) {
	if err := r.check(); err != nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	final := s.path(r.ID)
	if _, err := os.Lstat(final); err == nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, ErrExists)
	}
	s.hook("create:before-temp")
	f, err := os.CreateTemp(s.dir, tempPrefix+r.ID+"-*")
	if err != nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	tmp := f.Name()
	fail := func(err error) (FileState, error) {
		_ = f.Close()
		_ = os.Remove(tmp)
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	s.hook("create:temp-written")
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	s.hook("create:temp-synced")
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(err)
	}
	s.hook("create:renamed")
	if err := SyncDir(s.dir); err != nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	s.hook("create:dir-synced")
	info, err := os.Stat(final)
	if err != nil {
		return FileState{}, fmt.Errorf("store document %s: %w", r.ID, err)
	}
	return FileState{ID: r.ID, Size: info.Size(), MTime: info.ModTime()}, nil
}

// Remove deletes a document durably. It returns ErrNotFound (wrapped) for
// an id that is not ValidID or has no file.
func (s *Store) Remove(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("remove document %q: %w", id, ErrNotFound)
	}
	s.hook("remove:before-unlink")
	err := os.Remove(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove document %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("remove document %s: %w", id, err)
	}
	s.hook("remove:unlinked")
	if err := SyncDir(s.dir); err != nil {
		return fmt.Errorf("remove document %s: %w", id, err)
	}
	s.hook("remove:dir-synced")
	return nil
}

// SyncDir makes a rename, a link or an unlink in dir durable: on Linux a
// new or removed directory entry survives a crash only once the directory
// itself is synced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
