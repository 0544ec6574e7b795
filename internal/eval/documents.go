package eval

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/parse"
)

// LoadDocuments parses the files in dir/documents: the documents a question
// set for the seeds brings besides them, each named by its file name
// without extension as seeds/ names its own. There are none when the
// folder does not exist or dir is "".
func LoadDocuments(dir string) ([]*document.Document, error) {
	if dir == "" {
		return nil, nil
	}
	ents, err := os.ReadDir(filepath.Join(dir, "documents"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("question set documents: %w", err)
	}
	var docs []*document.Document
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, "documents", e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("question set documents: %w", err)
		}
		d, err := parse.Parse(data, parse.Options{Name: e.Name()})
		if err != nil {
			return nil, fmt.Errorf("question set document %s: %w", path, err)
		}
		d.ID = strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("question set document %s: %w", path, err)
		}
		docs = append(docs, &d)
	}
	return docs, nil
}
