package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// worstCases are inputs near the size limit shaped to stress each parser.
func worstCases() map[string][]byte {
	const size = maxSize - 1024
	fill := func(unit string) []byte {
		return []byte(strings.Repeat(unit, size/len(unit)))
	}
	var distinct strings.Builder
	for i := 0; distinct.Len() < size-64; i++ {
		fmt.Fprintf(&distinct, "Speaker %d: hello?\n\nSpeaker %d: yes.\n\n", i, i)
	}
	var numbered strings.Builder
	for i := 0; numbered.Len() < size-64; i++ {
		fmt.Fprintf(&numbered, "%2d   text of line %d\n", i%25+1, i)
	}
	return map[string][]byte{
		"questions only":    fill("Q: x\n"),
		"alternating":       fill("Q: x?\nA: y.\n"),
		"distinct speakers": []byte(distinct.String()),
		"one long line":     fill("word "),
		"headings":          fill("# h\n"),
		"colons":            fill("Ab: "),
		"numbered":          []byte(numbered.String()),
		"jsonl":             fill(`{"question":"q","answer":"a"}` + "\n"),
		"csv":               append([]byte("question,answer\n"), fill("q,a\n")...),
		"blank lines":       append(fill("\n \n"), "Q: a\nA: b"...),
	}
}

func BenchmarkParseWorstCases(b *testing.B) {
	for name, data := range worstCases() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Parse(data, Options{})
			}
		})
	}
}

func BenchmarkParseSCOTUS(b *testing.B) {
	data := readEval(b, "scotus_11-398_hhs-v-florida_2012-03-27.txt")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSeed(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "seeds", "spcis-china-latin-america-technology.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
