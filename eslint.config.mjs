import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Module boundaries (the house rules): a module's tables are reached only through its own
 * repositories; another module's data through that module's service or repository methods.
 */
const crossModuleImports = (up) => ({
  patterns: [
    {
      group: [`${up}*/*.repository`],
      message: "Another module's repository is private to it: call a method of that module's service.",
    },
    {
      group: [`${up}*/*.entity`],
      allowTypeImports: true,
      message: "Another module's entity may be named as a type only; its rows come through that module.",
    },
  ],
});

/** Only repositories, entities, module wiring and the database layer speak TypeORM or SQL. */
const dataAccess = {
  paths: [
    {
      name: 'typeorm',
      allowTypeImports: true,
      message: 'Queries belong in a repository (<module>/<name>.repository.ts).',
    },
    { name: '@nestjs/typeorm', message: 'Queries belong in a repository (<module>/<name>.repository.ts).' },
  ],
};
const QUERY_CALLS = ['query', 'createQueryBuilder', 'getRepository', 'transaction'];
const noQueryCalls = QUERY_CALLS.map((name) => ({
  selector: `CallExpression[callee.property.name='${name}']`,
  message: `.${name}() belongs in a repository; services run units of work through Transactions.run().`,
}));

const INFRASTRUCTURE = [
  'src/database/**',
  'src/backup/database-*.ts',
  'src/common/database-errors.ts',
  'src/common/error-response.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '*.js', '*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['src/*/*.ts'],
    ignores: INFRASTRUCTURE,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', crossModuleImports('../')] },
  },
  {
    files: ['src/*/*/**/*.ts'],
    ignores: INFRASTRUCTURE,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', crossModuleImports('../../')] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [
      ...INFRASTRUCTURE,
      'src/**/*.repository.ts',
      'src/**/*.entity.ts',
      'src/**/*.module.ts',
      'src/**/*.spec.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', dataAccess],
      'no-restricted-syntax': ['error', ...noQueryCalls],
    },
  },
);
