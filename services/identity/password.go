package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password length rules, counted in characters; nothing is ever truncated.
const (
	MinPassword = 8
	MaxPassword = 128
)

// CheckPassword says what is wrong with a new password, or "" if nothing.
func CheckPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return "must be valid text"
	case n < MinPassword:
		return fmt.Sprintf("must be at least %d characters", MinPassword)
	case n > MaxPassword:
		return fmt.Sprintf("must be at most %d characters", MaxPassword)
	}
	return ""
}

// HashPassword returns the argon2id PHC string of pw with a fresh salt.
func HashPassword(pw string) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

var errBadHash = errors.New("identity: malformed password hash")

// VerifyPassword reports whether pw matches the PHC string hash, in constant time, using the
// parameters recorded in the hash.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<18 || t > 16 || p > 16 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the account does not exist, so an unknown e-mail
// costs the same time as a wrong password.
var dummyHash = HashPassword("onramp-no-such-account")

// VerifyPasswordOrDummy checks pw against hash, or against a dummy hash when there is no
// account (hash == ""), so both cost the same time and give the same answer: false.
func VerifyPasswordOrDummy(hash, pw string) bool {
	if hash == "" {
		_, _ = VerifyPassword(dummyHash, pw)
		return false
	}
	ok, err := VerifyPassword(hash, pw)
	return ok && err == nil
}
