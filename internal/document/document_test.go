package document

import (
	"slices"
	"testing"
)

// Labels of one speaker that differ in case, accents or spacing are one
// speaker, named as first written.
func TestSpeakers(t *testing.T) {
	d := Document{Sections: []Section{
		{Asker: "Joaquín Sáez", Answerer: "María López"},
		{Asker: "Joaquin  Saez", Answerer: "MARÍA LÓPEZ"},
		{Asker: "Joaquín Sáez", Answerer: "Ana"},
	}}
	if got, want := d.Speakers(), []string{"Joaquín Sáez", "María López", "Ana"}; !slices.Equal(got, want) {
		t.Errorf("Speakers() = %q, want %q", got, want)
	}
}
