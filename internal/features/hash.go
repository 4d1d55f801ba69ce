package features

const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
	// tags keep unigrams, bigrams and trigrams apart within one block.
	tagBigram  uint32 = 0x1b873593
	tagTrigram uint32 = 0xcc9e2d51
)

func fnvString(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

// fmix is murmur3's finaliser: it spreads the bits of a hash.
func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// sign is +1 or -1 from the top bit of h (signed hashing keeps collisions
// unbiased).
func sign(h uint32) float32 {
	if h&0x80000000 != 0 {
		return -1
	}
	return 1
}

// lower folds ASCII upper case; other bytes are returned as they are.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// wordByte reports whether c belongs to a word: ASCII letters and digits, and
// every non-ASCII byte (so UTF-8 words stay whole).
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// hashText adds word unigrams, word bigrams and character 3-grams of s to
// block with signed hashing. Only the first MaxTextBytes
// bytes are read.
func hashText(block *textBlock, s string, seed uint32) {
	if len(s) > MaxTextBytes {
		s = s[:MaxTextBytes]
	}
	var word, prev uint32 = fnvOffset, 0
	inWord, havePrev := false, false
	var win uint32
	for i := 0; i < len(s); i++ {
		c := lower(s[i])
		win = win<<8 | uint32(c)
		if i >= 2 {
			block.add(fmix((win & 0xffffff) ^ seed ^ tagTrigram))
		}
		if wordByte(c) {
			word = (word ^ uint32(c)) * fnvPrime
			inWord = true
			continue
		}
		if inWord {
			prev, havePrev = endWord(block, word, prev, havePrev, seed), true
			word, inWord = fnvOffset, false
		}
	}
	if inWord {
		endWord(block, word, prev, havePrev, seed)
	}
}

// endWord adds the unigram word and the bigram (prev, word); it returns the
// word for the next bigram.
func endWord(block *textBlock, word, prev uint32, havePrev bool, seed uint32) uint32 {
	block.add(fmix(word ^ seed))
	if havePrev {
		block.add(fmix((prev*31 + word) ^ seed ^ tagBigram))
	}
	return word
}
