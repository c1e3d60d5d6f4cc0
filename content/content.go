// Package content gives Onramp's training and onboarding material, kept as reviewable
// text files in this folder and embedded into the binaries that need it.
package content

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var files embed.FS

// FS is the whole content tree (YAML and Markdown), read-only.
func FS() fs.FS { return files }

// Track is a family of IT work: every person has one, and onboarding templates and role
// profiles are written per track.
type Track struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Summary string `yaml:"summary" json:"summary"`
}

// Tracks returns the role tracks in their file order (parsed once; a fresh copy each call).
func Tracks() ([]Track, error) {
	ts, err := tracks()
	return slices.Clone(ts), err
}

// tracks parses tracks.yaml once: pages ask for the tracks on every request.
var tracks = sync.OnceValues(func() ([]Track, error) {
	b, err := files.ReadFile("tracks.yaml")
	if err != nil {
		return nil, fmt.Errorf("content: read tracks: %w", err)
	}
	var ts []Track
	if err := yaml.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("content: parse tracks.yaml: %w", err)
	}
	return ts, nil
})

// IsTrack reports whether id names a known track.
func IsTrack(id string) bool {
	ts, err := tracks()
	if err != nil {
		return false
	}
	return slices.ContainsFunc(ts, func(t Track) bool { return t.ID == id })
}
