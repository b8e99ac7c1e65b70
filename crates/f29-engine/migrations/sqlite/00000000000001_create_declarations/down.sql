DROP TABLE mappings;
DROP TABLE declaration_transitions;
DROP TABLE declaration_versions;
DROP TABLE declarations;
