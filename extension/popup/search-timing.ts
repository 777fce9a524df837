/** Quiet time after a keystroke before the query is sent: a fast typist sends one request per word, not per letter. */
export const searchDebounceMs = 130;
