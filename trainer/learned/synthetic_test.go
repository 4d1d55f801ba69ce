package learned

import (
	"fmt"
	"math/rand"
)

// separable returns n chat requests on two topics; the candidate passes
// exactly the arithmetic ones, so a good router separates them perfectly.
func separable(n int, seed int64) []Example {
	rng := rand.New(rand.NewSource(seed))
	easy := []string{"add", "sum", "multiply", "numbers", "total", "plus", "digits"}
	hard := []string{"summarize", "legal", "contract", "clause", "liability", "essay", "nuance"}
	filler := []string{"please", "the", "for", "me", "with", "of", "and", "quickly"}
	out := make([]Example, n)
	for i := range out {
		words, pass := hard, false
		if rng.Intn(2) == 0 {
			words, pass = easy, true
		}
		text := ""
		for k := 0; k < 6+rng.Intn(6); k++ {
			w := filler[rng.Intn(len(filler))]
			if rng.Intn(2) == 0 {
				w = words[rng.Intn(len(words))]
			}
			text += w + " "
		}
		text += words[rng.Intn(len(words))]
		body := fmt.Sprintf(`{"model":"m","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":%q}]}`, text)
		out[i] = Example{Body: []byte(body), Passed: pass}
	}
	return out
}
