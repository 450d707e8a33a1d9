"""Dict-heavy word counting over a generated text.

The text is built deterministically from syllables with a Zipf-like choice
of words, then counted three ways: a plain dict, bigrams in a dict keyed by
tuples, and per-letter statistics. Checks itself: the counts add up to the
number of words generated, agree with collections.Counter, and the bigram
counts add up to words - 1 per sentence.
"""

import collections
import os
import sys

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "zu", "fi",
             "gor", "ban", "tel", "mos", "qua", "rin", "sel", "dor"]


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def make_vocabulary(size):
    words = []
    state = 99
    while len(words) < size:
        state = (state * 48271) % 2147483647
        n = 1 + state % 4
        word = ""
        s = state
        for _ in range(n):
            word += SYLLABLES[s % len(SYLLABLES)]
            s //= len(SYLLABLES)
        if word not in words:
            words.append(word)
    return words


def make_text(vocabulary, sentences):
    """Sentences of 5-15 words; word k is picked with weight about 1/(k+1)."""
    state = 4242
    cumulative = []
    total = 0.0
    for k in range(len(vocabulary)):
        total += 1.0 / (k + 1)
        cumulative.append(total)
    lines = []
    generated = 0
    for _ in range(sentences):
        state = (state * 48271) % 2147483647
        length = 5 + state % 11
        chosen = []
        for _ in range(length):
            state = (state * 48271) % 2147483647
            target = (state / 2147483647) * total
            lo, hi = 0, len(cumulative) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cumulative[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid
            chosen.append(vocabulary[lo])
        generated += length
        chosen[0] = chosen[0].capitalize()
        lines.append(" ".join(chosen) + ".")
    return "\n".join(lines), generated


def count_words(text):
    counts = {}
    bigrams = {}
    letters = {}
    for sentence in text.split("\n"):
        words = sentence.rstrip(".").lower().split()
        previous = None
        for word in words:
            counts[word] = counts.get(word, 0) + 1
            if previous is not None:
                key = (previous, word)
                bigrams[key] = bigrams.get(key, 0) + 1
            previous = word
            for ch in word:
                if ch in letters:
                    letters[ch] += 1
                else:
                    letters[ch] = 1
    return counts, bigrams, letters


def main():
    scale = bench_scale()
    vocabulary = make_vocabulary(2000)
    sentences = max(100, int(40_000 * scale))
    text, generated = make_text(vocabulary, sentences)
    counts, bigrams, letters = count_words(text)
    assert sum(counts.values()) == generated
    assert sum(bigrams.values()) == generated - sentences
    reference = collections.Counter(text.lower().replace(".", "").split())
    assert reference == collections.Counter(counts)
    assert sum(letters.values()) == sum(len(w) * c for w, c in counts.items())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    print("words: %d, distinct: %d, bigrams: %d" % (generated, len(counts), len(bigrams)))
    print("top: " + ", ".join("%s=%d" % kv for kv in top))


if __name__ == "__main__":
    main()
