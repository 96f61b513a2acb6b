/* fuzz: the targets LLVMFuzzerTestOneInput hands an input to. */
#ifndef EF_FUZZ_H
#define EF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Inputs that begin with this go to the WebSocket frame parser. */
#define FUZZ_WS_PREFIX	"WS"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
/* The WebSocket frame parser, fed whole and in pieces (fuzz_ws.c). */
void	fuzz_ws(const uint8_t *, size_t);

#endif
