package onboarding

import (
	"encoding/binary"
	"sync"
	"time"
)

// history is a plan's history as the model holds it: its entries packed one after another
// into bytes, each as varints — its sequence and its time (Unix milliseconds, 0: none) as
// differences from the entry before, and each word (actor, type, task, detail, on behalf
// of) as its number in the process's one list of history words. An entry takes about 14
// bytes instead of the 56 of the handles and numbers it was; at 10,000 hires three weeks
// in, plans held 320,000 entries. Entry is its document form; times keep milliseconds, as
// documents do.
type history struct {
	b    []byte
	n    int
	last packed // the last entry's sequence and time, which the next one is written against
}

// Len is the number of entries.
func (h *history) Len() int { return h.n }

// add appends e.
func (h *history) add(e Entry) {
	var ms int64
	if !e.Time.IsZero() {
		ms = e.Time.UnixMilli()
	}
	h.b = binary.AppendVarint(h.b, int64(e.Seq-h.last.seq))
	h.b = binary.AppendVarint(h.b, ms-h.last.at)
	for _, w := range [...]string{e.Actor, e.Type, e.Task, e.Detail, e.OnBehalfOf} {
		h.b = binary.AppendUvarint(h.b, uint64(historyWords.number(w)))
	}
	h.n++
	h.last.seq, h.last.at = e.Seq, ms
}

// Docs is the history, oldest first.
func (h *history) Docs() []Entry {
	out := make([]Entry, 0, h.n)
	h.each(func(x packed) {
		w := historyWords.words(x.words)
		out = append(out, Entry{Seq: x.seq, Time: x.time(), Actor: w[0], Type: w[1], Task: w[2], Detail: w[3], OnBehalfOf: w[4]})
	})
	return out
}

// packed is an entry as each decodes it: its sequence, its time (Unix milliseconds) and
// its words' numbers.
type packed struct {
	seq   uint64
	at    int64
	words [5]uint32
}

// time is the entry's time (zero: none).
func (x packed) time() time.Time {
	if x.at == 0 {
		return time.Time{}
	}
	return time.UnixMilli(x.at).UTC()
}

// each calls f with every entry in order. A history is only ever written by add, so its
// bytes always decode.
func (h *history) each(f func(packed)) {
	var x packed
	for b := h.b; len(b) > 0; {
		d, n := binary.Varint(b)
		x.seq += uint64(d)
		b = b[n:]
		d, n = binary.Varint(b)
		x.at += d
		b = b[n:]
		for i := range x.words {
			v, n := binary.Uvarint(b)
			x.words[i] = uint32(v)
			b = b[n:]
		}
		f(x)
	}
}

// historyWords numbers every word of every plan's history (actors, event types, task keys,
// details such as "overdue since <date>"): one list for the process, 0 is "". It only
// grows; its words are the distinct ones a process has seen, not one per entry.
var historyWords = &wordList{numbers: map[string]uint32{"": 0}, list: []string{""}}

type wordList struct {
	mu      sync.RWMutex
	numbers map[string]uint32
	list    []string
}

// number is w's number, given it on first use.
func (l *wordList) number(w string) uint32 {
	l.mu.RLock()
	n, ok := l.numbers[w]
	l.mu.RUnlock()
	if ok {
		return n
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n, ok := l.numbers[w]; ok {
		return n
	}
	w = string([]byte(w)) // its own copy, not a slice of a larger decoded message
	n = uint32(len(l.list))
	l.list = append(l.list, w)
	l.numbers[w] = n
	return n
}

// words are the words numbered ns.
func (l *wordList) words(ns [5]uint32) (w [5]string) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for i, n := range ns {
		w[i] = l.list[n]
	}
	return w
}
