// pp: compose a config and print it (placeholder until the engine lands).
int main() { return 2; }
