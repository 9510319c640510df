/**
 * The summit-dr command line: one picocli class per subcommand, shared options as mixins. Commands
 * are thin: they parse, open the repository, call a domain class and print the result.
 */
package dr.summit.cli;
