package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/store"
)

// KeySize is the length in bytes of the key that signs document links.
const KeySize = 32

// tokenChars is how much of the base64url HMAC a link carries: 132 bits.
const tokenChars = 22

// Links makes and checks the links to document pages. A document answered
// everywhere has a plain link; one owned by a server is shown only to
// whoever has its link, which carries a token signed with the key, so that
// one server's documents cannot be read by guessing ids.
type Links struct {
	base string
	key  []byte
}

// NewLinks returns links under publicBaseURL (the address people reach
// this server at, "" when it has none) signed with key. With an empty key
// no server-owned document can be linked to or shown.
func NewLinks(publicBaseURL string, key []byte) *Links {
	return &Links{base: publicBaseURL, key: append([]byte(nil), key...)}
}

// DocumentURL returns the address of d's page, with its token when d is
// owned by a server, or "" when there is no public base URL (or no key for
// a server-owned document). It fits answer.Options.DocumentURL.
func (l *Links) DocumentURL(d *document.Document) string {
	if l == nil || l.base == "" {
		return ""
	}
	u := answer.DocumentPath(l.base, d.ID)
	if d.Server == "" {
		return u
	}
	if len(l.key) == 0 {
		return ""
	}
	return u + "?k=" + l.token(d)
}

// Allowed reports whether token lets its bearer see d: always for a
// document answered everywhere, and for a server-owned one when token is
// the one DocumentURL puts in its link.
func (l *Links) Allowed(d *document.Document, token string) bool {
	if d.Server == "" {
		return true
	}
	if l == nil || len(l.key) == 0 || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(l.token(d)))
}

func (l *Links) token(d *document.Document) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(d.ID))
	m.Write([]byte{0})
	m.Write([]byte(d.Server))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:tokenChars]
}

// keyFile is the key's file name in the data directory.
const keyFile = "link.key"

// LoadKey returns the key that signs document links: the KeySize bytes of
// dataDir/link.key, created (mode 0600, atomically) when absent, so that
// links stay valid across restarts. With dataDir "" it returns a new random
// key, good for this process only. It fails when the file cannot be read or
// created, or holds anything but KeySize bytes.
func LoadKey(dataDir string) ([]byte, error) {
	if dataDir == "" {
		return newKey()
	}
	path := filepath.Join(dataDir, keyFile)
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = newKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create link key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, keyFile+".*.tmp") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create link key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write link key %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write link key %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write link key %s: %w", tmp.Name(), err)
	}
	// A hard link never replaces a file: when another process has just
	// made its key, theirs wins and both use it.
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return readKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("create link key %s: %w", path, err)
	}
	// Failing to sync only risks a new key (and dead links) after a crash.
	_ = store.SyncDir(dataDir)
	return key, nil
}

func readKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read link key: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("link key %s holds %d bytes, not %d: remove it to make a new one (existing document links stop working)", path, len(key), KeySize)
	}
	return key, nil
}

func newKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make link key: %w", err)
	}
	return key, nil
}
