package memo

import "testing"

func TestCacheKeepsResultsUntilTheVersionChanges(t *testing.T) {
	c := New[int](2)
	computed := 0
	get := func(version, key string) int {
		return c.Get(version, key, func() int { computed++; return computed })
	}
	steps := []struct {
		version, key string
		want         int
	}{
		{"v1", "a", 1}, // computed
		{"v1", "a", 1}, // kept
		{"v1", "b", 2}, // computed
		{"v1", "a", 1}, // kept
		{"v2", "a", 3}, // the state changed: computed again
		{"v2", "b", 4},
		{"v2", "c", 5}, // full: the others are dropped
		{"v2", "a", 6},
		{"v2", "c", 5},
	}
	for i, s := range steps {
		if got := get(s.version, s.key); got != s.want {
			t.Fatalf("step %d (%s %s): %d, want %d", i, s.version, s.key, got, s.want)
		}
	}
}
